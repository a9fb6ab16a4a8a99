package org.leo.bench.attest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.leo.agent.Agent;
import org.leo.agent.AgentConfig;
import org.leo.agent.EvidenceSource;
import org.leo.agent.HostEvidence;
import org.leo.agent.collect.CheckResults;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;
import org.leo.attest.AttestationNode;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.net.MacAddress;

/**
 * One appliance and one HPC, in this JVM, on loopback, over real TLS: the real
 * {@link AttestationNode} (durable log, appraisal, actions with a power control that only records),
 * the PXE server's boot event log, and the real {@link Agent} with {@link HostEvidence} over a
 * {@link CraftedHost} tree. The agent's attestation stream goes through a {@link CuttableRelay};
 * its evidence through a {@link Gate} that can make it stop answering while the stream stays open.
 */
final class LatencyRig implements AutoCloseable {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:20");
    /** The scratch disk on the HPC: a block device, outside the root file system the rootfs check digests. */
    static final String DISK = "/dev/vdb";

    /** A verdict and when this JVM got it (after the durable log and the actions). */
    record Seen(long nanos, Verdict verdict) { }

    /** The finding of a trial: when it came and which id it was. */
    record Found(long nanos, String eventId, String sentence) { }

    final HostPaths host;
    final Path disk;
    final AttestationNode node;
    final CuttableRelay relay;
    final AtomicInteger powerCycles = new AtomicInteger();
    private final SqliteBootEventLog boots;
    private final LinkedBlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
    private final Gate gate = new Gate();
    private volatile String cmdline;
    private Agent agent;
    private Thread agentThread;

    /** {@code diskBytes} of random data as the scratch disk {@link #DISK}, with the Pi's reference copy beside it. */
    LatencyRig(Path dir, Map<String, String> policyKeys, long diskBytes) throws Exception {
        host = CraftedHost.copyTo(dir.resolve("hpc"));
        Files.createDirectories(host.dev());
        Files.createDirectories(host.root().resolveSibling("staging"));
        disk = host.dev().resolve(DISK.substring("/dev/".length()));
        Path reference = dir.resolve("pi-reference.img");
        writeRandom(reference, diskBytes);
        Files.copy(reference, disk);
        Map<String, String> keys = new java.util.HashMap<>(policyKeys);
        keys.put("disk.scratch.reference", reference.toString());
        Policy policy = Policy.of(keys);
        boots = SqliteBootEventLog.open(dir.resolve("boot.db"));
        BootManifest manifest = new BootManifest("bench", Instant.EPOCH, List.of(
                new ManifestEntry("initrd.img", 2000, AttestBenchAgents.INITRD_SHA), new ManifestEntry("vmlinuz", 1000, AttestBenchAgents.KERNEL_SHA)));
        PowerControl recorder = new PowerControl() {
            @Override
            public void powerCycle(String hpc) {
                powerCycles.incrementAndGet();
            }

            @Override
            public String describe() {
                return "benchmark recorder (no power is switched)";
            }
        };
        node = AttestationNode.start(new AttestationNode.Config(dir.resolve("pi"), new InetSocketAddress("127.0.0.1", 0),
                        new InetSocketAddress("127.0.0.1", 0), List.of("127.0.0.1"), policy, Duration.ofHours(1),
                        List.of(List.of("vmlinuz", "initrd.img")), Duration.ofHours(1)),
                boots::latestBoot, a -> Optional.of(MAC), manifest, recorder, NetworkControl.NONE, TaskControl.NONE,
                Clock.systemUTC(), new SimpleMeterRegistry());
        node.engine().onVerdict(v -> seen.add(new Seen(System.nanoTime(), v)));
        relay = new CuttableRelay(node.server().attestationPort());
    }

    private static void writeRandom(Path file, long bytes) throws IOException {
        java.util.Random r = new java.util.Random(7);
        byte[] buf = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (long done = 0; done < bytes; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, bytes - done));
            }
        }
    }

    String cmdline() {
        return cmdline;
    }

    /**
     * A fresh boot of the HPC, as after a power cycle: the PXE server records a boot with a new
     * nonce, the HPC's command line carries it, a new agent enrolls; returns once the golden
     * baseline is taken and appraised clean. An earlier agent is stopped first.
     */
    void boot() throws Exception {
        stopAgent();
        long started = System.nanoTime();
        gate.open();
        String nonce = RecordBoot.record(boots, MAC);
        cmdline = "initrd=initrd.img leo.nonce=" + nonce + " leo.server=127.0.0.1 console=ttyS0";
        HostTampers.replace(host.root().resolveSibling("staging"), host.proc().resolve("cmdline"), cmdline + "\n");
        AgentConfig config = new AgentConfig("127.0.0.1", node.server().enrollmentPort(), relay.port(), node.ca().fingerprint(),
                MAC.toString(), cmdline, Duration.ofMillis(500));
        EvidenceSource real = new HostEvidence(host, Map.of(), Optional.empty(), 1);
        agent = new Agent(config, (check, n) -> gate.pass() ? real.answer(check, n) : CheckResults.error("gate",
                new IllegalStateException("the agent was stopped while silent")), Map.of());
        agentThread = new Thread(agent, "agent");
        agentThread.setDaemon(true);
        agentThread.start();
        // The first clean answer after the old agent stopped is the new boot's baseline (the old boot's
        // outstanding challenges only end as missed, never clean).
        Seen first = await(s -> s.verdict().challengeId() != 0 && s.verdict().clean(), started, 60);
        if (first == null || !node.engine().status(MAC.toString()).map(st -> st.baselined()).orElse(false)) {
            throw new IllegalStateException("boot " + nonce.substring(0, 16) + ": no clean baseline within 60 s");
        }
    }

    private void stopAgent() throws InterruptedException {
        if (agent != null) {
            agent.close();
            agentThread.join(10_000);
            agent = null;
        }
    }

    /** From now the agent answers nothing (each answer blocks; the stream stays open) until the next {@link #boot}. */
    void silence() {
        gate.close();
    }

    /**
     * The first verdict after {@code afterNanos} that carries one of {@code ids}, waiting at most
     * {@code seconds}; null if none came. Verdicts before it are dropped.
     */
    Found awaitFinding(Set<String> ids, long afterNanos, double seconds) throws InterruptedException {
        Seen s = await(x -> x.verdict().findings().stream().anyMatch(f -> ids.contains(f.eventId())), afterNanos, seconds);
        if (s == null) {
            return null;
        }
        Finding f = s.verdict().findings().stream().filter(x -> ids.contains(x.eventId())).findFirst().orElseThrow();
        return new Found(s.nanos(), f.eventId(), f.sentence());
    }

    /** Lets {@code seconds} pass, dropping the verdicts that come meanwhile. */
    void idle(double seconds) throws InterruptedException {
        await(x -> false, 0, seconds);
    }

    private Seen await(java.util.function.Predicate<Seen> p, long afterNanos, double seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            Seen s = seen.poll(left, TimeUnit.NANOSECONDS);
            if (s != null && s.nanos() - afterNanos >= 0 && p.test(s)) {
                return s;
            }
        }
    }

    /** Whether the engine has the HPC's stream open now. */
    boolean connected() {
        return node.engine().status(MAC.toString()).map(st -> st.connected()).orElse(false);
    }

    @Override
    public void close() throws Exception {
        stopAgent();
        relay.close();
        node.close();
        boots.close();
    }

    /** Lets answers through, or holds each one until the agent is stopped (interrupted) or 10 minutes pass. */
    static final class Gate {
        private boolean open = true;

        synchronized void open() {
            open = true;
            notifyAll();
        }

        synchronized void close() {
            open = false;
        }

        /** True to answer; false once the wait ended without the gate opening. */
        synchronized boolean pass() {
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (!open) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}
