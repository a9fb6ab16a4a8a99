package org.leo.pxe.vm;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The isolated L2 segment a disk-less VM boots on, built from network namespaces:
 * <pre>
 *   netns PREFIX-pi : veth PREFIXvp 10.77.0.1/24  (the boot server under test)
 *                       |
 *   netns PREFIX-hpc: veth PREFIXvb -- bridge PREFIXbr -- tap PREFIXtp (QEMU's NIC)
 * </pre>
 * The HPC side has IPv6 disabled (bridge/tap would send RS/ND noise); the server side keeps IPv6
 * link-local (to answer Router Solicitations) with DAD off so addresses are usable at once.
 * Inside the server namespace {@code net.ipv4.ip_unprivileged_port_start=0} and a default route
 * via the veth (needed to send to 255.255.255.255) are set.
 *
 * <p>PREFIX is {@code BASE + pid(hex) + 'x' + counter(base36)}, unique per JVM and topology, so
 * parallel test runs never collide; {@link #create(String)} first deletes namespaces left by dead
 * JVMs, {@link #close()} deletes everything (deleting a namespace deletes its links) and a
 * shutdown hook does the same if the JVM exits without closing.
 */
public final class NetNsTopology implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NetNsTopology.class);
    /** Linux IFNAMSIZ is 16 including the NUL: every {@code PREFIX + 2 chars} name must fit. */
    private static final int MAX_IFNAME = 15;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    public static final String DEFAULT_BASE = "leov";
    public static final String SERVER_IPV4 = "10.77.0.1";
    public static final int PREFIX_LENGTH = 24;

    private final String prefix;
    private final NetNsHost pi;
    private final NetNsHost hpc;
    private final String bridge;
    private final String tap;
    private final Thread cleanupHook;
    private boolean closed;

    private NetNsTopology(String prefix) {
        this.prefix = prefix;
        this.pi = new NetNsHost(prefix + "-pi", prefix + "vp", Optional.of(SERVER_IPV4), PREFIX_LENGTH);
        this.hpc = new NetNsHost(prefix + "-hpc", prefix + "vb", Optional.empty(), 0);
        this.bridge = prefix + "br";
        this.tap = prefix + "tp";
        this.cleanupHook = new Thread(this::deleteQuietly, "netns-cleanup-" + prefix);
    }

    /** Builds the topology with names starting with {@code base} (e.g. {@value #DEFAULT_BASE}). */
    public static NetNsTopology create(String base) throws IOException {
        String prefix = base + Long.toHexString(ProcessHandle.current().pid()) + "x"
                + Integer.toString(COUNTER.getAndIncrement(), 36);
        if ((prefix + "tp").length() > MAX_IFNAME) {
            throw new IllegalArgumentException("prefix " + prefix + " too long for interface names");
        }
        sweepStale(base);
        NetNsTopology t = new NetNsTopology(prefix);
        Runtime.getRuntime().addShutdownHook(t.cleanupHook);
        try {
            t.build();
        } catch (IOException | RuntimeException e) {
            t.close();
            throw e;
        }
        LOG.info("netns topology {}: {} {}/{} on {}, {} with bridge {} tap {}", prefix, t.pi.netns(), SERVER_IPV4,
                PREFIX_LENGTH, t.pi.ifName(), t.hpc.netns(), t.bridge, t.tap);
        return t;
    }

    private void build() throws IOException {
        String p = pi.netns();
        String h = hpc.netns();
        Exec.check("ip", "netns", "add", p);
        Exec.check("ip", "netns", "add", h);
        Exec.check("ip", "netns", "exec", h, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        Exec.check("ip", "netns", "exec", p, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                "net.ipv6.conf.default.accept_dad=0", "net.ipv4.ip_unprivileged_port_start=0");
        Exec.check("ip", "-n", h, "link", "add", bridge, "type", "bridge", "stp_state", "0", "forward_delay", "0");
        Exec.check("ip", "-n", h, "tuntap", "add", "dev", tap, "mode", "tap");
        Exec.check("ip", "-n", h, "link", "set", tap, "master", bridge);
        // create the veth pair directly inside the two namespaces: nothing ever appears in the host's
        Exec.check("ip", "-n", p, "link", "add", pi.ifName(), "type", "veth", "peer", "name", hpc.ifName(),
                "netns", h);
        Exec.check("ip", "-n", h, "link", "set", hpc.ifName(), "master", bridge);
        // bridge-nf sysctls exist only when br_netfilter is loaded; their absence is fine
        Exec.run(Duration.ofSeconds(10), "ip", "netns", "exec", h, "sysctl", "-qw",
                "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-ip6tables=0",
                "net.bridge.bridge-nf-call-arptables=0");
        for (String l : List.of("lo", bridge, tap, hpc.ifName())) {
            Exec.check("ip", "-n", h, "link", "set", l, "up");
        }
        Exec.check("ip", "-n", p, "link", "set", "lo", "up");
        Exec.check("ip", "-n", p, "addr", "add", SERVER_IPV4 + "/" + PREFIX_LENGTH, "dev", pi.ifName());
        Exec.check("ip", "-n", p, "link", "set", pi.ifName(), "up");
        Exec.check("ip", "-n", p, "route", "add", "default", "dev", pi.ifName());
    }

    /** Deletes namespaces named {@code base<pid hex>x...} whose creating JVM is no longer alive. */
    static void sweepStale(String base) throws IOException {
        Pattern mine = Pattern.compile("^(" + Pattern.quote(base) + "([0-9a-f]+)x[0-9a-z]+-(?:pi|hpc))(?:\\s|$)");
        for (String line : Exec.check("ip", "netns", "list").output().split("\n")) {
            Matcher m = mine.matcher(line.strip());
            if (!m.find()) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(m.group(2), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                continue;
            }
            LOG.warn("deleting stale netns {} (creator pid {} is gone)", m.group(1), pid);
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", m.group(1));
        }
    }

    public String prefix() {
        return prefix;
    }

    /** The boot server's host: namespace {@code PREFIX-pi}, address {@value #SERVER_IPV4}. */
    public NetNsHost pi() {
        return pi;
    }

    /** The HPC's host: namespace {@code PREFIX-hpc}; QEMU runs here on {@link #tap()}. */
    public NetNsHost hpc() {
        return hpc;
    }

    public String tap() {
        return tap;
    }

    public String bridge() {
        return bridge;
    }

    private synchronized void deleteQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> errors = deleteNamespaces(List.of(hpc.netns(), pi.netns()));
        if (!errors.isEmpty()) {
            LOG.warn("netns topology {} cleanup: {}", prefix, errors);
        }
    }

    /**
     * {@code ip netns del} each of {@code namespaces}, in order, going on past failures; one that is
     * already gone is no error. Returns what went wrong, for the caller's cleanup warning.
     */
    public static List<String> deleteNamespaces(List<String> namespaces) {
        List<String> errors = new ArrayList<>();
        for (String ns : namespaces) {
            try {
                Exec.Result r = Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", ns);
                if (!r.ok() && !r.output().contains("No such file")) {
                    errors.add(r.output().strip());
                }
            } catch (IOException e) {
                errors.add(e.toString());
            }
        }
        return errors;
    }

    /** Deletes both namespaces (and with them the veth pair, bridge and tap). Idempotent. */
    @Override
    public void close() {
        deleteQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // JVM already shutting down, or the hook was never registered
        }
    }
}
