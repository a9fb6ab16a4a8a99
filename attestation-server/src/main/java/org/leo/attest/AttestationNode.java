package org.leo.attest;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Policy;
import org.leo.attest.ca.ApplianceCa;
import org.leo.attest.ca.RevocationList;
import org.leo.attest.enroll.BootCheck;
import org.leo.attest.enroll.BootHistory;
import org.leo.attest.enroll.Enroller;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.attest.server.AttestationEngine;
import org.leo.attest.server.AttestationServer;
import org.leo.boot.net.ClientDirectory;
import org.leo.boot.manifest.BootManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation side of the appliance, composed: in one data directory the appliance CA
 * ({@code ca/}), the revocation list ({@code revoked.txt}), the hash-chained event log
 * ({@code attest.db}) and the enrollment store ({@code enroll.db}); the engine; both TLS ports. It
 * reads the PXE server's boot event log and lease table through {@link BootHistory} and
 * {@link ClientDirectory}.
 */
public final class AttestationNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestationNode.class);

    /**
     * @param dataDir            where the CA, logs and stores live
     * @param enrollAddress      enrollment port's bind address
     * @param attestAddress      attestation port's bind address
     * @param hosts              names/addresses agents dial (server certificate SANs)
     * @param policy             the attestation policy
     * @param certificateLifetime lifetime of agents' client certificates
     * @param requiredArtifacts  sets of boot artifacts, alternatives: every enrolling boot must have fetched all of one set
     *                           (kernel and initrd, or the image's unified kernel image; see {@link BootCheck})
     * @param maxBootAge         how long after its boot script an HPC may enroll
     * @param piTpm              the Pi's TPM, which signs the log's head (optional)
     * @param ekRoots            the directory of manufacturer CA certificates HPC EK certificates must chain to
     *                           (required with the policy's tpm.required=true)
     * @param device             the HPC interface both ports' sockets are bound to (SO_BINDTODEVICE); empty: not bound
     */
    public record Config(Path dataDir, InetSocketAddress enrollAddress, InetSocketAddress attestAddress, List<String> hosts,
                         Policy policy, Duration certificateLifetime, List<List<String>> requiredArtifacts, Duration maxBootAge,
                         java.util.Optional<org.leo.protocol.tpm.TpmEndpoint> piTpm, java.util.Optional<Path> ekRoots,
                         java.util.Optional<String> device) {
        public Config {
            Objects.requireNonNull(device);
            Objects.requireNonNull(dataDir);
            hosts = List.copyOf(hosts);
            requiredArtifacts = List.copyOf(requiredArtifacts);
            Objects.requireNonNull(piTpm);
            Objects.requireNonNull(ekRoots);
            if (policy.tpmRequired() && ekRoots.isEmpty()) {
                throw new IllegalArgumentException("the attestation policy's tpm.required=true needs --attest-ek-roots DIR (the manufacturer"
                        + " CA certificates HPC EK certificates chain to); or set tpm.required=false to enroll HPCs without a TPM");
            }
        }

        /** Listening on every interface the addresses are on (tests, benchmarks on loopback). */
        public Config(Path dataDir, InetSocketAddress enrollAddress, InetSocketAddress attestAddress, List<String> hosts,
                      Policy policy, Duration certificateLifetime, List<List<String>> requiredArtifacts, Duration maxBootAge,
                      java.util.Optional<org.leo.protocol.tpm.TpmEndpoint> piTpm, java.util.Optional<Path> ekRoots) {
            this(dataDir, enrollAddress, attestAddress, hosts, policy, certificateLifetime, requiredArtifacts, maxBootAge, piTpm, ekRoots,
                    java.util.Optional.empty());
        }

        /** Without the Pi's TPM (no signed reports for remote verifiers) and without measured enrollment. */
        public Config(Path dataDir, InetSocketAddress enrollAddress, InetSocketAddress attestAddress, List<String> hosts,
                      Policy policy, Duration certificateLifetime, List<List<String>> requiredArtifacts, Duration maxBootAge) {
            this(dataDir, enrollAddress, attestAddress, hosts, policy, certificateLifetime, requiredArtifacts, maxBootAge,
                    java.util.Optional.empty(), java.util.Optional.empty());
        }
    }

    private final ApplianceCa ca;
    private final RevocationList revocations;
    private final AttestationLog log;
    private final EnrollmentStore store;
    private final AttestationEngine engine;
    private final ActionDispatcher actions;
    private final AttestationServer server;
    private final BootManifest manifest;
    private final org.leo.attest.measured.BootExpectation expected;
    private final Clock clock;
    private org.leo.protocol.tpm.Tpm tpm;
    private org.leo.attest.tpm.EvidenceRelay relay;

    private AttestationNode(ApplianceCa ca, RevocationList revocations, AttestationLog log, EnrollmentStore store,
                            AttestationEngine engine, ActionDispatcher actions, AttestationServer server, BootManifest manifest,
                            org.leo.attest.measured.BootExpectation expected, Clock clock) {
        this.clock = clock;
        this.manifest = manifest;
        this.expected = expected;
        this.ca = ca;
        this.revocations = revocations;
        this.log = log;
        this.store = store;
        this.engine = engine;
        this.actions = actions;
        this.server = server;
    }

    public static AttestationNode start(Config c, BootHistory boots, ClientDirectory leases, BootManifest manifest, PowerControl power,
                                        NetworkControl network, TaskControl tasks, Clock clock, MeterRegistry registry)
            throws IOException, GeneralSecurityException, SQLException {
        return start(c, boots, leases, manifest, org.leo.attest.measured.BootExpectation.NONE, power, network, tasks, clock, registry);
    }

    /** With {@code expected}: what a measured boot of the served image shows (the PXE side knows the image and its template). */
    public static AttestationNode start(Config c, BootHistory boots, ClientDirectory leases, BootManifest manifest,
                                        org.leo.attest.measured.BootExpectation expected, PowerControl power,
                                        NetworkControl network, TaskControl tasks, Clock clock, MeterRegistry registry)
            throws IOException, GeneralSecurityException, SQLException {
        Files.createDirectories(c.dataDir());
        ApplianceCa ca = ApplianceCa.loadOrCreate(c.dataDir().resolve("ca"), clock);
        RevocationList revocations = RevocationList.open(c.dataDir().resolve("revoked.txt"));
        AttestationLog log = AttestationLog.open(c.dataDir().resolve("attest.db"), registry);
        EnrollmentStore store = null;
        AttestationEngine engine = null;
        try {
            store = EnrollmentStore.open(c.dataDir().resolve("enroll.db"));
            String head = log.head().map(h -> "#" + h.seq() + " sha256 " + h.hashHex()).orElse("empty");
            log.appendDurably(new LogEntry(clock.instant(), "appliance", LogEntry.Kind.SERVER_START, "info", "server.start",
                    "attestation server started; log head was " + head + "; CA sha256 " + ca.fingerprint(), "head=" + head));
            java.util.concurrent.atomic.AtomicReference<Policy> policy = new java.util.concurrent.atomic.AtomicReference<>(c.policy());
            ActionDispatcher actions = new ActionDispatcher(policy::get, log, power, network, tasks, clock);
            engine = new AttestationEngine(policy, log, store, actions, clock, registry);
            Enroller enroller = new Enroller(ca, store, revocations, boots, leases, new BootCheck(manifest, c.requiredArtifacts(), c.maxBootAge()),
                    log, c.certificateLifetime(), clock);
            enroller.onEnrolled(engine::enrolled);
            enroller.requireMeasuredBoot(c.policy().tpmRequired());
            org.leo.attest.enroll.TpmEnrollment measured = c.ekRoots().isEmpty() ? null
                    : new org.leo.attest.enroll.TpmEnrollment(enroller, store, org.leo.protocol.tpm.EkCertificateVerifier.fromDirectory(c.ekRoots().get()),
                            expected, clock);
            AttestationServer server = AttestationServer.start(ca, revocations, enroller, measured, engine, c.enrollAddress(), c.attestAddress(),
                    c.device(), c.hosts(), clock, registry);
            LOG.info("attestation: data in {}, log head {}", c.dataDir(), head);
            AttestationNode node = new AttestationNode(ca, revocations, log, store, engine, actions, server, manifest, expected, clock);
            if (c.piTpm().isPresent()) {
                try {
                    node.tpm = org.leo.protocol.tpm.Tpm.open(c.piTpm().get());
                    org.leo.attest.tpm.LogHeadQuoter quoter = new org.leo.attest.tpm.LogHeadQuoter(node.tpm, log);
                    node.relay = new org.leo.attest.tpm.EvidenceRelay(engine, log, quoter, clock);
                    LOG.info("the Pi's TPM {} signs the event log head (PCR {}); attestation key {}", c.piTpm().get(),
                            org.leo.attest.tpm.LogHeadQuoter.PCR, quoter.attestationKey().fingerprint());
                } catch (org.leo.protocol.tpm.TpmException e) {
                    try {
                        node.close();
                    } catch (Exception closing) {
                        e.addSuppressed(closing);
                    }
                    throw new IOException("the Pi's TPM " + c.piTpm().get() + ": " + e.getMessage(), e);
                }
            }
            return node;
        } catch (IOException | GeneralSecurityException | SQLException | RuntimeException e) {
            if (engine != null) {
                engine.close();
            }
            if (store != null) {
                store.close();
            }
            log.close();
            throw e;
        }
    }

    /** Rotates {@code hpc}'s agent key ({@link org.leo.attest.server.KeyRotation}); the revoked serials (hex). */
    public List<String> rotateKey(String hpc, String by) throws IOException, SQLException {
        return new org.leo.attest.server.KeyRotation(store, revocations, log, engine, clock).rotate(hpc, by);
    }

    public ApplianceCa ca() {
        return ca;
    }

    public RevocationList revocations() {
        return revocations;
    }

    public AttestationLog log() {
        return log;
    }

    public AttestationEngine engine() {
        return engine;
    }

    public ActionDispatcher actions() {
        return actions;
    }

    public AttestationServer server() {
        return server;
    }

    /** The verified boot manifest the PXE side serves, which enrolling boots are checked against. */
    public BootManifest manifest() {
        return manifest;
    }

    /** What a measured boot of the served image must show ({@link org.leo.attest.measured.BootExpectation#NONE} without one). */
    public org.leo.attest.measured.BootExpectation bootExpectation() {
        return expected;
    }

    /** The relay for external verifiers (the consensus service), present when the Pi's TPM is configured. */
    public java.util.Optional<org.leo.attest.tpm.EvidenceRelay> relay() {
        return java.util.Optional.ofNullable(relay);
    }

    /** The Pi's TPM (--tpm), present when configured; the node closes it. */
    public java.util.Optional<org.leo.protocol.tpm.Tpm> piTpm() {
        return java.util.Optional.ofNullable(tpm);
    }

    @Override
    public void close() throws Exception {
        if (tpm != null) {
            tpm.close();
        }
        server.close();
        engine.close();
        log.close();
        store.close();
    }
}
