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
 * on loopback. {@link #boot} records a boot the way the PXE server does. Public, in this module's
 * test-jar: the consensus service's fleet tests put one behind the HPC's Pi.
 */
public final class TestAppliance implements AutoCloseable {
    static final String KERNEL_SHA = "11".repeat(32);
    static final String INITRD_SHA = "22".repeat(32);

    final Path dir;
    public final ApplianceCa ca;
    final RevocationList revocations;
    public final AttestationLog log;
    final EnrollmentStore store;
    final SqliteBootEventLog boots;
    /** The manifest the boots are checked against (the consensus tests publish its digest). */
    public final BootManifest manifest;
    final Map<InetAddress, MacAddress> leases = new ConcurrentHashMap<>();
    final Enroller enroller;
    public final AttestationEngine engine;
    public final AttestationServer server;
    public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    public final List<Verdict> verdicts = new CopyOnWriteArrayList<>();
    final List<String> powerCycles = new CopyOnWriteArrayList<>();

    public TestAppliance(Path dir, Policy policy, Duration certificateLifetime) throws Exception {
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
                new InetSocketAddress("127.0.0.1", 0), java.util.Optional.empty(), List.of("127.0.0.1"), clock, registry);
    }

    /** Challenges every 20 ms to 1 s (mean 150 ms), every check but disk and TPM, 3 s deadlines, no TPM required. */
    public static Policy fastPolicy() {
        return Policy.of(Map.ofEntries(
                Map.entry("challenge.mean-seconds", "0.15"), Map.entry("challenge.min-seconds", "0.02"),
                // Deadlines run from when a challenge is issued (at enrollment for the baseline), not from when
                // a stream carries it: 3 s leaves a loaded machine time to open the stream.
                Map.entry("challenge.max-seconds", "1"), Map.entry("challenge.deadline-seconds", "3"),
                Map.entry("stream.grace-seconds", "3"), Map.entry("check.os.probability", "1"),
                Map.entry("check.hardware.probability", "1"), Map.entry("check.network.probability", "1"),
                Map.entry("action.critical", "record,alert,power-cycle"), Map.entry("action.cooldown-seconds", "0"),
                Map.entry("tpm.required", "false")));
    }

    static BootManifest manifest() {
        return new BootManifest("test-image", Instant.parse("2026-12-01T00:00:00Z"),
                List.of(new ManifestEntry("initrd.img", 2000, INITRD_SHA), new ManifestEntry("vmlinuz", 1000, KERNEL_SHA)));
    }

    /** Records a boot of {@code mac} as the PXE server would (script with a fresh nonce, kernel and initrd); returns the nonce. */
    public String boot(MacAddress mac) {
        leases.put(InetAddress.getLoopbackAddress(), mac);
        return boot(boots, mac);
    }

    /** Records a boot of {@code mac} in {@code boots}; returns its nonce. */
    static String boot(SqliteBootEventLog boots, MacAddress mac) {
        byte[] n = new byte[32];
        new java.security.SecureRandom().nextBytes(n);
        String nonce = HexFormat.of().formatHex(n);
        Instant now = Instant.now();
        BootEvent script = new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.SCRIPT_SERVED, Protocol.HTTP, "boot.ipxe", 300, "ab".repeat(32), nonce, "script");
        boots.recordAll(List.of(
                script, script.delivered(),
                new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.FILE_SERVED, Protocol.HTTP, "vmlinuz", 1000, KERNEL_SHA, nonce, "kernel"),
                new BootEvent(now, Optional.of(mac), "127.0.0.1:1", BootStage.FILE_SERVED, Protocol.HTTP, "initrd.img", 2000, INITRD_SHA, nonce, "initrd")));
        return nonce;
    }

    public static String cmdline(String nonce) {
        return "initrd=initrd.img leo.nonce=" + nonce + " leo.server=127.0.0.1 console=ttyS0";
    }

    public AgentConfig agentConfig(MacAddress mac, String cmdline) {
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

    /** An agent identity and the certificate chain enrollment gave it. */
    record Enrolled(org.leo.agent.AgentIdentity id, java.security.cert.X509Certificate[] chain) {
        java.security.cert.X509Certificate cert() {
            return chain[0];
        }
    }

    /** A TLS channel to the enrollment port under {@code id}'s self-signed certificate, pinning this appliance's CA. */
    io.grpc.ManagedChannel enrollmentChannel(org.leo.agent.AgentIdentity id) throws Exception {
        return io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", server.enrollmentPort(), io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(org.leo.protocol.TlsKeyManagers.of(id.privateKey(), id.selfSigned()))
                .trustManager(new org.leo.agent.PinnedServerTrust(ca.fingerprint())).build()).build();
    }

    /** The certificates of an enrollment answer. */
    static java.security.cert.X509Certificate[] chainOf(org.leo.protocol.attest.v1.EnrollResponse r) throws Exception {
        java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
        java.security.cert.X509Certificate[] chain = new java.security.cert.X509Certificate[r.getCertificateChainDerCount()];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = (java.security.cert.X509Certificate) cf.generateCertificate(new java.io.ByteArrayInputStream(r.getCertificateChainDer(i).toByteArray()));
        }
        return chain;
    }

    /** A plain enrollment (Enroll) of {@code id} with this CSR and these boot facts. */
    Enrolled enroll(org.leo.agent.AgentIdentity id, byte[] csr, String mac, String cmdline) throws Exception {
        io.grpc.ManagedChannel ch = enrollmentChannel(id);
        try {
            return new Enrolled(id, chainOf(org.leo.protocol.attest.v1.EnrollmentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
                    .enroll(org.leo.protocol.attest.v1.EnrollRequest.newBuilder().setCsrDer(com.google.protobuf.ByteString.copyFrom(csr))
                            .setBootFacts(org.leo.protocol.attest.v1.BootFacts.newBuilder().setMac(mac).setKernelCmdline(cmdline)).build())));
        } finally {
            ch.shutdownNow();
        }
    }

    /** An attestation stream on {@code e}'s certificate. */
    RawAgent stream(Enrolled e) throws Exception {
        return new RawAgent(server.attestationPort(), ca.fingerprint(), e.id().privateKey(), e.chain());
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
