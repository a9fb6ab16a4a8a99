package org.leo.agent.task;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private dockerd for tests (as the HPC will run it, docs/tasks.md): its own data-root, exec-root,
 * pidfile, config file and Unix socket under a fresh temp directory; no iptables, no bridge, no IP
 * forwarding (nothing on the host's network changes); the cgroupfs driver; overlay2, or vfs where
 * overlay2 does not start. Ready when {@code GET /_ping} on its socket answers {@code OK}.
 * {@link #close()} stops it by its PID (SIGTERM; SIGKILL after {@link #STOP_TIMEOUT}), stops by PID
 * any containerd or shim it left (their command lines name this directory), unmounts what it left
 * mounted there and deletes the directory; a directory with a mount that would not go is left alone.
 */
public final class DockerdProcess implements AutoCloseable {
    /** dockerd answers its ping within ~0.2 s here; this bounds a broken installation. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final Path base;
    private final String storageDriver;
    private final List<String> wrapper;
    private Process process;

    private DockerdProcess(Path base, String storageDriver, List<String> wrapper) {
        this.base = base;
        this.storageDriver = storageDriver;
        this.wrapper = List.copyOf(wrapper);
    }

    /** Why a private dockerd cannot run here, or empty: for {@code assumeTrue}. */
    public static Optional<String> unavailableReason() {
        if (!isRoot()) {
            return Optional.of("dockerd needs root (runs as uid " + uid() + ")");
        }
        for (String tool : List.of("dockerd", "containerd", "runc", "containerd-shim-runc-v2")) {
            if (!onPath(tool)) {
                return Optional.of(tool + " is not installed (Debian package docker.io; scripts/install-deps test installs it)");
            }
        }
        return Optional.empty();
    }

    /** Starts a dockerd with overlay2 storage, or with vfs if overlay2 does not start here. */
    public static DockerdProcess start() throws IOException {
        return start(List.of());
    }

    /**
     * As {@link #start()}, with dockerd's command line after {@code wrapper}: {@code nsenter --net=/run/netns/NS} runs it
     * in a network namespace of the caller's, where its bridge networks are made, not in the host's.
     */
    public static DockerdProcess start(List<String> wrapper) throws IOException {
        IOException overlay;
        try {
            return start("overlay2", wrapper);
        } catch (IOException e) {
            overlay = e;
        }
        try {
            return start("vfs", wrapper);
        } catch (IOException e) {
            e.addSuppressed(overlay);
            throw e;
        }
    }

    static DockerdProcess start(String storageDriver) throws IOException {
        return start(storageDriver, List.of());
    }

    static DockerdProcess start(String storageDriver, List<String> wrapper) throws IOException {
        DockerdProcess d = new DockerdProcess(Files.createTempDirectory("leo-dockerd-"), storageDriver, wrapper);
        try {
            d.launch();
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    public URI socketUri() {
        return URI.create("unix://" + socket());
    }

    public Path execRoot() {
        return base.resolve("exec");
    }

    public Path dataRoot() {
        return base.resolve("data");
    }

    public String storageDriver() {
        return storageDriver;
    }

    public long pid() {
        return process.pid();
    }

    /** A directory for the sandbox's work volumes, inside this dockerd's temp directory. */
    public Path workRoot() {
        return base.resolve("work");
    }

    private Path socket() {
        return base.resolve("docker.sock");
    }

    private void launch() throws IOException {
        Files.createDirectories(dataRoot());
        Files.createDirectories(execRoot());
        Path config = base.resolve("daemon.json");
        Files.writeString(config, "{}\n");
        Path log = base.resolve("dockerd.log");
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(List.of(which("dockerd").toString(), "--config-file", config.toString(), "-H", "unix://" + socket(),
                "--data-root", dataRoot().toString(), "--exec-root", execRoot().toString(), "--pidfile", base.resolve("dockerd.pid").toString(),
                "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false", "--bridge=none",
                "--storage-driver=" + storageDriver, "--exec-opt", "native.cgroupdriver=cgroupfs", "--log-level=warn"));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // dockerd finds containerd, runc and the shim on its PATH; Debian puts runc in /usr/sbin.
        pb.environment().put("PATH", String.join(File.pathSeparator, searchPath()));
        process = pb.start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("dockerd (" + storageDriver + ") exited with " + process.exitValue() + ": " + tail(log));
            }
            if (pingOk()) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for dockerd", e);
            }
        }
        throw new IOException("dockerd (" + storageDriver + ") did not answer _ping within " + READY_TIMEOUT.toSeconds() + " s: " + tail(log));
    }

    private boolean pingOk() {
        if (!Files.exists(socket())) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket()));
            ch.write(ByteBuffer.wrap("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // HTTP/1.0: the engine closes after the answer
            }
            String answer = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
            return answer.startsWith("HTTP/1.") && answer.contains(" 200 ") && answer.endsWith("OK");
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() {
        if (process != null) {
            stopByPid(process);
            process = null;
        }
        for (ProcessHandle left : leftProcesses()) {
            left.destroyForcibly(); // containerd or a shim our dockerd started (its command line names our directory)
            left.onExit().orTimeout(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS).exceptionally(t -> null).join();
        }
        List<String> mounts;
        try {
            mounts = new ArrayList<>(WorkVolume.mountsUnder(base));
            mounts.sort(Comparator.comparing(String::length).reversed());
            for (String m : mounts) {
                new ProcessBuilder("umount", m).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
            }
            if (!WorkVolume.mountsUnder(base).isEmpty()) {
                System.err.println("DockerdProcess: left " + base + " in place, still mounted: " + WorkVolume.mountsUnder(base));
                return;
            }
            try (Stream<Path> files = Files.walk(base)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (IOException e) {
            System.err.println("DockerdProcess: could not delete " + base + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void stopByPid(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Processes whose command line names this dockerd's directory: its containerd and shims. */
    private List<ProcessHandle> leftProcesses() {
        String mark = base.toString() + "/";
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(h -> {
            Path cmdline = Path.of("/proc", Long.toString(h.pid()), "cmdline");
            try (InputStream in = Files.newInputStream(cmdline)) {
                if (new String(in.readNBytes(8192), StandardCharsets.UTF_8).contains(mark)) {
                    found.add(h);
                }
            } catch (IOException gone) {
                // exited meanwhile
            }
        });
        return found;
    }

    private static String tail(Path log) {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static boolean onPath(String tool) {
        return which(tool) != null;
    }

    /** {@code tool} in the PATH or the system directories, or null. */
    static Path which(String tool) {
        return searchPath().stream().map(d -> Path.of(d, tool)).filter(Files::isExecutable).findFirst().orElse(null);
    }

    private static List<String> searchPath() {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(path == null ? List.of() : List.of(path.split(File.pathSeparator)));
        for (String d : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
            if (!dirs.contains(d)) {
                dirs.add(d);
            }
        }
        return dirs;
    }

    static boolean isRoot() {
        return uid() == 0;
    }

    private static long uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "DockerdProcess[" + socket() + ", " + storageDriver + ", pid " + (process == null ? "-" : process.pid()) + "]";
    }
}
