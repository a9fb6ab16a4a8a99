package org.leo.attest.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.leo.agent.AgentConfig;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.ca.ApplianceCa;
import org.leo.attest.ca.RevocationList;
import org.leo.attest.enroll.BootCheck;
import org.leo.attest.enroll.Enroller;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.log.AttestationLog;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.net.MacAddress;

/**
 * The appliance side of the attestation tests, for real: the CA, the boot event log (SQLite, as the
 * PXE server writes it), the enrollment store, the hash-chained log, the engine and both TLS ports
 * on loopback. {@link #boot} records a boot the way the PXE server does.
 */
final class TestAppliance implements AutoCloseable {
    static final String KERNEL_SHA = "11".repeat(32);
    static final String INITRD_SHA = "22".repeat(32);

    final Path dir;
    final ApplianceCa ca;
    final RevocationList revocations;
    final AttestationLog log;
    final EnrollmentStore store;
    final SqliteBootEventLog boots;
    final BootManifest manifest;
    final Map<InetAddress, MacAddress> leases = new ConcurrentHashMap<>();
    final Enroller enroller;
    final AttestationEngine engine;
    final AttestationServer server;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<Verdict> verdicts = new CopyOnWriteArrayList<>();
    final List<String> powerCycles = new CopyOnWriteArrayList<>();

    TestAppliance(Path dir, Policy policy, Duration certificateLifetime) throws Exception {
        this(dir, policy, certificateLifetime, null);
    }

    TestAppliance(Path dir, Policy policy, Duration certificateLifetime, PowerControl power) throws Exception {
        this(dir, policy, certificateLifetime, power, null);
    }

    /** With {@code measured}: measured enrollment (BeginEnroll/CompleteEnroll) made from this appliance's enroller and store. */
    TestAppliance(Path dir, Policy policy, Duration certificateLifetime, PowerControl power,
                  java.util.function.BiFunction<Enroller, EnrollmentStore, org.leo.attest.enroll.TpmEnrollment> measured) throws Exception {
        this.dir = dir;
        Clock clock = Clock.systemUTC();
        ca = ApplianceCa.loadOrCreate(dir.resolve("ca"), clock);
        revocations = RevocationList.open(dir.resolve("revoked.txt"));
        log = AttestationLog.open(dir.resolve("attest.db"), registry);
        store = EnrollmentStore.open(dir.resolve("enroll.db"));
        boots = SqliteBootEventLog.open(dir.resolve("boot.db"));
        manifest = manifest();
        enroller = new Enroller(ca, store, revocations, boots::latestBoot, addr -> Optional.ofNullable(leases.get(addr)),
                new BootCheck(manifest, List.of(List.of("vmlinuz", "initrd.img")), Duration.ofMinutes(15)), log, certificateLifetime, clock);
        PowerControl pc = power != null ? power : new PowerControl() {
            @Override
            public void powerCycle(String hpc) {
                powerCycles.add(hpc);
            }

            @Override
            public String describe() {
                return "test recorder";
            }
        };
        ActionDispatcher actions = new ActionDispatcher(policy, log, pc, NetworkControl.NONE, TaskControl.NONE, clock);
        engine = new AttestationEngine(policy, log, store, actions, clock, registry);
        engine.onVerdict(verdicts::add);
        enroller.onEnrolled(engine::enrolled);
        enroller.requireMeasuredBoot(policy.tpmRequired() && measured != null);
        server = AttestationServer.start(ca, revocations, enroller, measured == null ? null : measured.apply(enroller, store), engine,
                new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", 0), List.of("127.0.0.1"), clock, registry);
    }

    static BootManifest manifest() {
        return new BootManifest("test-image", Instant.parse("2026-12-01T00:00:00Z"),
                List.of(new ManifestEntry("initrd.img", 2000, INITRD_SHA), new ManifestEntry("vmlinuz", 1000, KERNEL_SHA)));
    }

    /** Records a boot of {@code mac} as the PXE server would (script with a fresh nonce, kernel and initrd); returns the nonce. */
    String boot(MacAddress mac) {
        leases.put(InetAddress.getLoopbackAddress(), mac);
        return boot(boots, mac);
    }

    /** Records a boot of {@code mac} in {@code boots}; returns its nonce. */
    static String boot(SqliteBootEventLog boots, MacAddress mac) {
        byte[] n = new byte[32];
        new java.security.SecureRandom().nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        Instant now = Instant.now();
        boots.recordAll(List.of(
                new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.SCRIPT_SERVED, Protocol.HTTP, "boot.ipxe", 300, "ab".repeat(32), nonce, "script"),
                new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.FILE_SERVED, Protocol.HTTP, "vmlinuz", 1000, KERNEL_SHA, nonce, "kernel"),
                new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.FILE_SERVED, Protocol.HTTP, "initrd.img", 2000, INITRD_SHA, nonce, "initrd")));
        return nonce;
    }

    static String cmdline(String nonce) {
        return "initrd=initrd.img leo.nonce=" + nonce + " leo.server=127.0.0.1 console=ttyS0";
    }

    AgentConfig agentConfig(MacAddress mac, String cmdline) {
        return new AgentConfig("127.0.0.1", server.enrollmentPort(), server.attestationPort(), ca.fingerprint(), mac.toString(),
                cmdline, Duration.ofMillis(500));
    }

    /** Waits until a verdict matching {@code p} arrived; fails after {@code seconds}. */
    Verdict awaitVerdict(Predicate<Verdict> p, int seconds) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < until) {
            for (Verdict v : new ArrayList<>(verdicts)) {
                if (p.test(v)) {
                    return v;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such verdict within " + seconds + " s; verdicts: " + verdicts.stream().map(Verdict::sentence).toList());
    }

    static Predicate<Verdict> finding(String eventId) {
        return v -> v.findings().stream().anyMatch(f -> f.eventId().equals(eventId));
    }

    @Override
    public void close() throws Exception {
        server.close();
        engine.close();
        log.close();
        store.close();
        boots.close();
    }
}
