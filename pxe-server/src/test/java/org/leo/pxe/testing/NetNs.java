package org.leo.pxe.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair, for system tests that run real DHCP/TFTP clients
 * against a server. Names carry the caller's prefix plus a per-run suffix
 * (pid and sequence: {@code <prefix><n>-a}/{@code -b}, links {@code <prefix><n>a}/{@code <prefix><n>b}); {@link #close()}
 * kills every process started through {@link #start} (by its handle) and deletes the namespaces
 * (which deletes the veth pair). Needs root and iproute2.
 */
public final class NetNs implements AutoCloseable {
    /** Linux IFNAMSIZ - 1: longest interface name. */
    private static final int MAX_IFNAME = 15;
    private static final java.util.concurrent.atomic.AtomicInteger SEQUENCE = new java.util.concurrent.atomic.AtomicInteger();

    /** Namespace and link names of one side. */
    public record Side(String namespace, String link) {
    }

    /** A finished command. */
    public record Result(int exitCode, String output) {
    }

    private final Side a;
    private final Side b;
    private final List<Process> started = new ArrayList<>();

    private NetNs(Side a, Side b) {
        this.a = a;
        this.b = b;
    }

    /** Why network namespace tests cannot run here, or empty when they can (root, {@code ip} on PATH). */
    public static Optional<String> unavailableReason(String... commands) {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("needs root (network namespaces), running as " + System.getProperty("user.name"));
        }
        List<String> needed = new ArrayList<>(List.of("ip"));
        needed.addAll(List.of(commands));
        for (String c : needed) {
            if (which(c).isEmpty()) {
                return Optional.of("needs '" + c + "' on PATH (Debian package: iproute2, busybox, isc-dhcp-client, ...)");
            }
        }
        return Optional.empty();
    }

    /** The absolute path of {@code command} on PATH (also /sbin, /usr/sbin). */
    public static Optional<String> which(String command) {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/sbin:/sbin:/usr/bin:/bin";
        for (String dir : path.split(File.pathSeparator)) {
            File f = new File(dir, command);
            if (f.isFile() && f.canExecute()) {
                return Optional.of(f.getAbsolutePath());
            }
        }
        return Optional.empty();
    }

    /**
     * Creates namespaces and a veth pair with both links up (and lo up). {@code prefix} must be short
     * (at most 6 characters) so link names fit in 15.
     */
    public static NetNs create(String prefix) throws IOException {
        String tag = prefix + (ProcessHandle.current().pid() % 1000) + SEQUENCE.getAndIncrement();
        if (tag.length() + 1 > MAX_IFNAME) {
            throw new IllegalArgumentException("prefix too long for interface names: " + prefix);
        }
        NetNs n = new NetNs(new Side(tag + "-a", tag + "a"), new Side(tag + "-b", tag + "b"));
        try {
            n.deleteQuietly(); // leftovers of a crashed run with the same pid suffix
            n.must("ip", "netns", "add", n.a.namespace());
            n.must("ip", "netns", "add", n.b.namespace());
            n.must("ip", "link", "add", n.a.link(), "netns", n.a.namespace(), "type", "veth", "peer", "name", n.b.link(),
                    "netns", n.b.namespace());
            for (Side s : List.of(n.a, n.b)) {
                n.must("ip", "-n", s.namespace(), "link", "set", "lo", "up");
                n.must("ip", "-n", s.namespace(), "link", "set", s.link(), "up");
            }
            return n;
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
    }

    public Side a() {
        return a;
    }

    public Side b() {
        return b;
    }

    /** {@code ip addr add CIDR dev LINK} inside {@code side}. */
    public void address(Side side, String cidr) throws IOException {
        must("ip", "-n", side.namespace(), "addr", "add", cidr, "dev", side.link());
    }

    /**
     * Runs {@code ip -n NAMESPACE ARGS} for {@code side}'s namespace (a bridge, a neighbour entry, a
     * link moved in: what the methods here do not cover); fails if it does.
     */
    public void ip(Side side, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "-n", side.namespace()));
        cmd.addAll(List.of(args));
        must(cmd.toArray(String[]::new));
    }

    /** Sets the MAC of {@code side}'s link. */
    public void mac(Side side, String mac) throws IOException {
        must("ip", "-n", side.namespace(), "link", "set", "dev", side.link(), "address", mac);
    }

    /**
     * Creates a tap device {@code <link>t} inside {@code side}'s namespace (for a QEMU guest), up, and
     * returns its name; deleted with the namespace.
     */
    public String tap(Side side) throws IOException {
        String name = side.link() + "t";
        must("ip", "-n", side.namespace(), "tuntap", "add", "dev", name, "mode", "tap");
        must("ip", "-n", side.namespace(), "link", "set", name, "up");
        return name;
    }

    /** {@code ip addr add CIDR dev DEVICE} inside {@code side} for any device (tap, ...). */
    public void address(Side side, String device, String cidr) throws IOException {
        must("ip", "-n", side.namespace(), "addr", "add", cidr, "dev", device);
    }

    /** Removes all addresses from {@code side}'s link. */
    public void flush(Side side) throws IOException {
        must("ip", "-n", side.namespace(), "addr", "flush", "dev", side.link());
    }

    /** Starts {@code command} inside {@code side}'s namespace; killed by {@link #close()} if still running. */
    public Process start(Side side, ProcessBuilder.Redirect output, List<String> command) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", side.namespace()));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output).start();
        synchronized (started) {
            started.add(p);
        }
        return p;
    }

    /** The command line prefix that runs a program inside {@code side} ({@code ip netns exec NS}). */
    public List<String> execPrefix(Side side) {
        return List.of("ip", "netns", "exec", side.namespace());
    }

    /** Runs {@code command} inside {@code side} to completion (killed after {@code timeoutSeconds}). */
    public Result run(Side side, int timeoutSeconds, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(execPrefix(side));
        cmd.addAll(List.of(command));
        return exec(cmd, timeoutSeconds);
    }

    /** Runs a host command to completion. */
    public static Result exec(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = ("<" + e + ">").getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        reader.join(10_000);
        return new Result(p.exitValue(), out[0] == null ? "" : new String(out[0], StandardCharsets.UTF_8));
    }

    private void must(String... cmd) throws IOException {
        try {
            Result r = exec(List.of(cmd), 30);
            if (r.exitCode() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (" + r.exitCode() + "): " + r.output().trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    private void deleteQuietly() {
        for (Side s : List.of(a, b)) {
            try {
                exec(List.of("ip", "netns", "del", s.namespace()), 30);
            } catch (IOException e) {
                // not there
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Kills the processes started here (by handle), then deletes both namespaces and the veth pair. */
    @Override
    public void close() {
        synchronized (started) {
            for (Process p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            started.clear();
        }
        deleteQuietly();
    }
}
