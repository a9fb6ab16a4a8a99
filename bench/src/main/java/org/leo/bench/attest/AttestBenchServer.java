package org.leo.bench.attest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.attest.AttestationNode;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Policy;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;

/**
 * The attestation server of the capacity benchmark, in its own JVM so its CPU is measured apart
 * from the simulated agents': {@code DATA_DIR BOOT_DB ENROLL_PORT ATTEST_PORT MEAN_SECONDS}. The
 * real {@link AttestationNode} (durable log, appraisal, TLS); the lease table maps 127.0.a.b to
 * 52:54:00:00:a:b. Reads commands on stdin: {@code RESET} starts a measurement window,
 * {@code REPORT} prints "REPORT answered=N p50_ms=.. p99_ms=.. max_ms=.. findings=N seconds=..".
 */
public final class AttestBenchServer {
    /** Latencies kept per window at most (about 10 minutes at 1000 agents). */
    static final int MAX_SAMPLES = 1 << 20;

    private static final Object LOCK = new Object();
    private static long[] samples = new long[MAX_SAMPLES];
    private static int count;
    private static long findings;
    private static Instant windowStart = Instant.now();

    public static void main(String[] args) throws Exception {
        SqliteBootEventLog boots = SqliteBootEventLog.open(Path.of(args[1]));
        Policy policy = Policy.of(Map.of("challenge.mean-seconds", args[4], "challenge.min-seconds", "0.05",
                "challenge.max-seconds", String.valueOf(Math.max(30, 3 * Double.parseDouble(args[4]))), "challenge.deadline-seconds", "10",
                "check.os.probability", "1", "check.hardware.probability", "0.7", "check.network.probability", "0.7",
                "action.critical", "record,alert", "action.error", "record,alert",
                "tpm.required", "false")); // simulated agents have no TPM: the capacity of the attestation loop is measured
        BootManifest manifest = new BootManifest("bench", Instant.EPOCH, List.of(
                new ManifestEntry("initrd.img", 2000, AttestBenchAgents.INITRD_SHA), new ManifestEntry("vmlinuz", 1000, AttestBenchAgents.KERNEL_SHA)));
        AttestationNode node = AttestationNode.start(new AttestationNode.Config(Path.of(args[0]),
                        new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2])), new InetSocketAddress("127.0.0.1", Integer.parseInt(args[3])),
                        List.of("127.0.0.1"), policy, Duration.ofHours(1), List.of(List.of("vmlinuz", "initrd.img")), Duration.ofHours(1)),
                boots::latestBoot, a -> Optional.ofNullable(BenchHpcs.macOf(a)), manifest, PowerControl.NONE, NetworkControl.NONE,
                TaskControl.NONE, Clock.systemUTC(), new SimpleMeterRegistry());
        node.engine().onAnswer((v, took) -> {
            synchronized (LOCK) {
                if (count < MAX_SAMPLES) {
                    samples[count++] = took.toNanos();
                }
                findings += v.findings().size();
            }
        });
        System.out.println("READY " + node.ca().fingerprint());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("RESET")) {
                synchronized (LOCK) {
                    count = 0;
                    findings = 0;
                    windowStart = Instant.now();
                }
                System.out.println("RESET done");
            } else if (line.equals("REPORT")) {
                long[] s;
                long f;
                double secs;
                synchronized (LOCK) {
                    s = Arrays.copyOf(samples, count);
                    f = findings;
                    secs = Duration.between(windowStart, Instant.now()).toMillis() / 1000.0;
                }
                Arrays.sort(s);
                System.out.printf("REPORT answered=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f findings=%d seconds=%.1f%n", s.length,
                        pct(s, 0.50), pct(s, 0.99), s.length == 0 ? 0 : s[s.length - 1] / 1e6, f, secs);
            }
            System.out.flush();
        }
        node.close();
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }
}
