package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.ServerProcess;

/**
 * A fleet of N Pi appliances on one LAN, each Pi the gateway of one disk-less HPC, built from
 * network namespaces (i = 1..N, N at most {@value #MAX_PIS}):
 * <pre>
 *   leoq-sw  : bridge leoqbr 10.78.0.254/24 (the fleet LAN; shared services such as the EVM dev node)
 *                 |  leoqsp&lt;i&gt; (veth peers, enslaved to leoqbr)
 *   leoq-p&lt;i&gt;: fleet0 10.78.0.&lt;i&gt;/24          hpc0 10.79.&lt;i&gt;.1/24 (IPv4 forwarding on)
 *                                                  |
 *   leoq-h&lt;i&gt;:                                   eth0 52:54:00:78:00:&lt;i, 2 hex digits&gt;, up, no address
 * </pre>
 * IPv6 is disabled everywhere (no RS/ND noise); every namespace has lo up. A DHCP client in
 * {@code leoq-h<i>} configures {@code eth0} later.
 *
 * <p>The names are fixed, so a test and a person at a shell ({@code ip netns exec leoq-p3 ...}) see
 * the same ones; hence one fleet per machine at a time. An exclusive lock on
 * {@code $TMPDIR/leoq-fleet.lock} enforces that: whoever holds it owns every {@code leoq-*}
 * namespace, so {@link #create(int)} deletes any left by a dead JVM (the lock dies with its holder)
 * and refuses, naming the holder, while another live JVM (or this one) has a fleet up. {@link #close()} deletes every
 * namespace (and with them all links) and a shutdown hook does the same if the JVM exits without it.
 *
 * <p>{@link #partition(Set)} cuts the fleet LAN between two groups of Pis with nftables rules in the
 * Pi namespaces (table {@value #PARTITION_TABLE}), not by taking links down: every Pi keeps
 * reaching the switch address and its own HPC, as after a real split where the shared chain stays
 * reachable from both sides.
 */
final class FleetNetwork implements AutoCloseable {
    static final int MAX_PIS = 9;
    static final String PREFIX = "leoq";
    static final String PARTITION_TABLE = "leoq_partition";
    private static final String SWITCH_NS = PREFIX + "-sw";
    private static final String BRIDGE = PREFIX + "br";
    private static final String FLEET_IF = "fleet0";
    static final String PI_HPC_IF = "hpc0";
    private static final String HPC_IF = "eth0";
    private static final String FLEET_NET = "10.78.0.";
    private static final String SWITCH_ADDRESS = FLEET_NET + "254";
    private static final Duration IP_TIMEOUT = Duration.ofSeconds(10);
    /** {@code leoq-sw}, {@code leoq-p<i>}, {@code leoq-h<i>} as {@code ip netns list} prints them. */
    private static final Pattern OURS = Pattern.compile("^(" + PREFIX + "-(?:sw|p[0-9]+|h[0-9]+))(?:\\s|$)");
    private static final AtomicBoolean UP_IN_THIS_JVM = new AtomicBoolean();
    private static final Path LOCK_FILE = Path.of(System.getProperty("java.io.tmpdir"), PREFIX + "-fleet.lock");

    private final int size;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread cleanupHook;
    /** Namespaces created so far, in creation order (a failed build deletes exactly these). */
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    private FleetNetwork(int size, FileChannel lockChannel, FileLock lock) {
        this.size = size;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.cleanupHook = new Thread(this::deleteQuietly, "netns-cleanup-" + PREFIX);
    }

    /** Builds the fleet of {@code n} Pis (1..{@value #MAX_PIS}) and their HPCs. */
    static FleetNetwork create(int n) throws IOException {
        if (n < 1 || n > MAX_PIS) {
            throw new IllegalArgumentException("fleet size must be 1.." + MAX_PIS + ", got " + n);
        }
        // checked first: closing a second channel on the lock file would drop this JVM's lock (POSIX locks)
        if (!UP_IN_THIS_JVM.compareAndSet(false, true)) {
            throw new IllegalStateException("a fleet is already up in this JVM: close it first");
        }
        FileChannel channel;
        FileLock lock;
        try {
            channel = FileChannel.open(LOCK_FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("another JVM has a fleet up (" + LOCK_FILE + " is locked by "
                        + Files.readString(LOCK_FILE, StandardCharsets.US_ASCII).strip() + "): close it first");
            }
        } catch (IOException | RuntimeException e) {
            UP_IN_THIS_JVM.set(false);
            throw e;
        }
        channel.truncate(0).write(StandardCharsets.US_ASCII.encode("pid " + ProcessHandle.current().pid() + "\n"));
        FleetNetwork f = new FleetNetwork(n, channel, lock);
        Runtime.getRuntime().addShutdownHook(f.cleanupHook);
        try {
            sweepStale();
            f.build();
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        System.err.println("fleet network: " + n + " Pis on " + FLEET_NET + "0/24 (switch " + SWITCH_ADDRESS
                + " in " + SWITCH_NS + "), HPC segments 10.79.1-" + n + ".0/24");
        return f;
    }

    /** Deletes every {@code leoq-*} namespace: only called while holding the lock, so none is a live fleet's. */
    private static void sweepStale() throws IOException {
        for (String line : Exec.check("ip", "netns", "list").output().split("\n")) {
            var m = OURS.matcher(line.strip());
            if (m.find()) {
                System.err.println("deleting stale netns " + m.group(1) + " (left by a fleet whose JVM is gone)");
                Exec.run(IP_TIMEOUT, "ip", "netns", "del", m.group(1));
            }
        }
    }

    private void build() throws IOException {
        addNamespace(SWITCH_NS);
        Exec.check("ip", "-n", SWITCH_NS, "link", "add", BRIDGE, "type", "bridge", "stp_state", "0",
                "forward_delay", "0");
        // bridge-nf sysctls exist only when br_netfilter is loaded; their absence is fine
        Exec.run(IP_TIMEOUT, "ip", "netns", "exec", SWITCH_NS, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0",
                "net.bridge.bridge-nf-call-ip6tables=0", "net.bridge.bridge-nf-call-arptables=0");
        Exec.check("ip", "-n", SWITCH_NS, "addr", "add", SWITCH_ADDRESS + "/24", "dev", BRIDGE);
        Exec.check("ip", "-n", SWITCH_NS, "link", "set", BRIDGE, "up");
        for (int i = 1; i <= size; i++) {
            String pi = piNs(i);
            String hpc = hpcNs(i);
            String switchPort = PREFIX + "sp" + i;
            addNamespace(pi);
            addNamespace(hpc);
            Exec.check("ip", "netns", "exec", pi, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            // veth pairs made directly inside their two namespaces: nothing ever appears in the host's
            Exec.check("ip", "-n", pi, "link", "add", FLEET_IF, "type", "veth", "peer", "name", switchPort,
                    "netns", SWITCH_NS);
            Exec.check("ip", "-n", SWITCH_NS, "link", "set", switchPort, "master", BRIDGE);
            Exec.check("ip", "-n", SWITCH_NS, "link", "set", switchPort, "up");
            Exec.check("ip", "-n", pi, "addr", "add", piFleetAddress(i) + "/24", "dev", FLEET_IF);
            Exec.check("ip", "-n", pi, "link", "set", FLEET_IF, "up");
            Exec.check("ip", "-n", pi, "link", "add", PI_HPC_IF, "type", "veth", "peer", "name", HPC_IF,
                    "netns", hpc);
            Exec.check("ip", "-n", pi, "addr", "add", piHpcAddress(i) + "/24", "dev", PI_HPC_IF);
            Exec.check("ip", "-n", pi, "link", "set", PI_HPC_IF, "up");
            Exec.check("ip", "-n", hpc, "link", "set", HPC_IF, "address", hpcMac(i).toString());
            Exec.check("ip", "-n", hpc, "link", "set", HPC_IF, "up");
        }
    }

    /** {@code ip netns add}, lo up, IPv6 off (set before any link exists, so every link inherits it). */
    private void addNamespace(String ns) throws IOException {
        Exec.check("ip", "netns", "add", ns);
        created.add(ns);
        Exec.check("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1");
        Exec.check("ip", "-n", ns, "link", "set", "lo", "up");
    }

    int size() {
        return size;
    }

    String switchNs() {
        return SWITCH_NS;
    }

    /** The switch's own address on the fleet LAN, 10.78.0.254: where shared services listen. */
    String switchAddress() {
        return SWITCH_ADDRESS;
    }

    String piNs(int i) {
        return PREFIX + "-p" + checkPi(i);
    }

    String hpcNs(int i) {
        return PREFIX + "-h" + checkPi(i);
    }

    /** Pi i's address on the fleet LAN ({@code fleet0}): 10.78.0.i. */
    String piFleetAddress(int i) {
        return FLEET_NET + checkPi(i);
    }

    /** Pi i's address on its HPC segment ({@code hpc0}): 10.79.i.1, the HPC's DHCP/boot server and gateway. */
    String piHpcAddress(int i) {
        return "10.79." + checkPi(i) + ".1";
    }

    /** The Pi's interface towards its HPC (the one {@code leo pxe serve --interface} takes). */
    String piHpcInterface() {
        return PI_HPC_IF;
    }

    /** The Pi's interface on the fleet LAN. */
    String piFleetInterface() {
        return FLEET_IF;
    }

    /** The HPC's only interface (in {@link #hpcNs(int)}), for its DHCP client. */
    String hpcInterface() {
        return HPC_IF;
    }

    /** HPC i's MAC: 52:54:00:78:00:ii (QEMU's locally administered range; 78 as in 10.78). */
    MacAddress hpcMac(int i) {
        return MacAddress.parse("52:54:00:78:00:%02x".formatted(checkPi(i)));
    }

    /** {@code ip netns exec NS command...}: exec, so a process started from it has the program's PID. */
    List<String> inNs(String ns, String... command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(command));
        return argv;
    }

    /** Runs a short command in {@code ns} to completion (exit code and output; the caller judges). */
    Exec.Result run(String ns, Duration timeout, String... command) throws IOException {
        return Exec.run(timeout, inNs(ns, command));
    }

    /**
     * Starts a long-running process in {@code ns}, its output (stderr merged) recorded with times in
     * {@code log}; {@link ServerProcess#stop()} ends it by PID (SIGTERM, then SIGKILL).
     */
    ServerProcess start(String ns, String name, Path log, String... command) throws IOException {
        return ServerProcess.start(name, new ProcessBuilder(inNs(ns, command)), log);
    }

    /**
     * Splits the fleet LAN: the Pis in {@code side} and the others can no longer exchange packets, in
     * either direction (established connections included), while every Pi still reaches the switch
     * address and its own HPC. Replaces an earlier partition. Each Pi drops packets from the other
     * side's fleet addresses as they arrive (input hook; forward hook also for packets to them, so its
     * HPC is cut off from the other side too). Nothing is dropped on sending: a sender sees what a real
     * split shows, silence and timeouts, not an immediate "Operation not permitted".
     */
    void partition(Set<Integer> side) throws IOException {
        side.forEach(this::checkPi);
        Set<Integer> inside = new TreeSet<>(side);
        Set<Integer> outside = IntStream.rangeClosed(1, size).boxed().filter(i -> !inside.contains(i))
                .collect(Collectors.toCollection(TreeSet::new));
        for (int i = 1; i <= size; i++) {
            applyRules(i, partitionRules(inside.contains(i) ? outside : inside));
        }
        System.err.println("fleet network: partitioned Pis " + inside + " | " + outside);
    }

    /** Removes the partition: every Pi reaches every other again. */
    void heal() throws IOException {
        for (int i = 1; i <= size; i++) {
            applyRules(i, "");
        }
        System.err.println("fleet network: healed");
    }

    private String partitionRules(Set<Integer> unreachable) {
        if (unreachable.isEmpty()) {
            return "";
        }
        String set = unreachable.stream().map(this::piFleetAddress).collect(Collectors.joining(", ", "{ ", " }"));
        return """
                table ip %1$s {
                  chain input { type filter hook input priority filter; policy accept; ip saddr %2$s drop; }
                  chain forward { type filter hook forward priority filter; policy accept; ip saddr %2$s drop; ip daddr %2$s drop; }
                }
                """.formatted(PARTITION_TABLE, set);
    }

    /** Replaces Pi i's partition table atomically (one {@code nft -f} transaction: declare, delete, define). */
    private void applyRules(int i, String rules) throws IOException {
        Path file = Files.createTempFile(PREFIX + "-nft-", ".conf");
        try {
            Files.writeString(file, "table ip " + PARTITION_TABLE + " {}\ndelete table ip " + PARTITION_TABLE + "\n" + rules,
                    StandardCharsets.US_ASCII);
            Exec.check(inNs(piNs(i), "nft", "-f", file.toString()).toArray(String[]::new));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private int checkPi(int i) {
        if (i < 1 || i > size) {
            throw new IllegalArgumentException("no Pi " + i + " in a fleet of " + size);
        }
        return i;
    }

    private synchronized void deleteQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> newestFirst = new ArrayList<>(created);
        Collections.reverse(newestFirst);
        List<String> errors = new ArrayList<>(NetNsTopology.deleteNamespaces(newestFirst));
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            errors.add(e.toString());
        }
        UP_IN_THIS_JVM.set(false);
        if (!errors.isEmpty()) {
            System.err.println("fleet network cleanup: " + errors);
        }
    }

    /** Deletes every namespace it made (and with them every link and nftables table); idempotent. */
    @Override
    public void close() {
        deleteQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // JVM already shutting down (the hook runs and finds nothing left), or never registered
        }
    }
}
