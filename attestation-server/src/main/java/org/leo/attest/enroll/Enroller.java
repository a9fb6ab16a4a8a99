package org.leo.attest.enroll;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.leo.attest.appraise.Printable;
import org.leo.attest.ca.ApplianceCa;
import org.leo.attest.ca.RevocationList;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.boot.net.ClientDirectory;
import org.leo.boot.events.BootSession;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.attest.v1.BootFacts;
import org.leo.protocol.attest.v1.EnrollRequest;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides enrollments and renewals. An HPC enrolls once per boot: its agent proves, with a CSR over
 * the key of its TLS session, that the boot it describes is the one the PXE server recorded for
 * the MAC that holds the peer's address ({@link BootCheck}). Every decision, accepted or refused,
 * is written to the attestation log before the answer leaves.
 */
public final class Enroller {
    private static final Logger LOG = LoggerFactory.getLogger(Enroller.class);
    /** Longest kernel command line accepted (x86 Linux allows 2048). */
    public static final int MAX_CMDLINE = 4096;
    /** Refused attempts per peer address in {@link #FAILURE_WINDOW} before it gets RESOURCE_EXHAUSTED. */
    public static final int MAX_FAILURES = 20;
    static final Duration FAILURE_WINDOW = Duration.ofMinutes(10);
    /** Peers whose refusals are remembered before the quiet ones are forgotten (an HPC segment has a few hundred addresses at most). */
    static final int MAX_TRACKED_PEERS = 4096;
    static final int MAX_BOOTED_CLAIMS = 64;

    private final ApplianceCa ca;
    private final EnrollmentStore store;
    private final BootHistory boots;
    private final ClientDirectory directory;
    private final BootCheck check;
    private final AttestationLog log;
    private final Duration lifetime;
    private final Clock clock;
    private final Map<InetAddress, Deque<Instant>> failures = new ConcurrentHashMap<>();
    private final RevocationList revocations;
    private volatile BiConsumer<String, String> onEnrolled = (hpc, nonce) -> { };
    private volatile boolean measuredBootRequired;

    public Enroller(ApplianceCa ca, EnrollmentStore store, RevocationList revocations, BootHistory boots, ClientDirectory directory,
                    BootCheck check, AttestationLog log, Duration certificateLifetime, Clock clock) {
        this.ca = ca;
        this.revocations = revocations;
        this.store = store;
        this.boots = boots;
        this.directory = directory;
        this.check = check;
        this.log = log;
        this.lifetime = certificateLifetime;
        this.clock = clock;
    }

    /** Told of every accepted enrollment (HPC, boot nonce) once it is durable: the engine starts the boot's session. */
    public void onEnrolled(BiConsumer<String, String> listener) {
        this.onEnrolled = listener;
    }

    /**
     * Enrolls the agent at {@code peer} whose TLS session presented {@code tlsCertificate}; throws
     * a {@link StatusException} whose description says why it is refused.
     */
    public EnrollResponse enroll(EnrollRequest request, X509Certificate tlsCertificate, InetAddress peer) throws StatusException {
        Checked c = check(request.getCsrDer().toByteArray(), request.getBootFacts(), tlsCertificate, peer);
        if (measuredBootRequired) {
            throw refuse(peer, c.hpc(), Status.FAILED_PRECONDITION, "this appliance requires a measured boot checked with the HPC's TPM"
                    + " (tpm.required=true): enroll with BeginEnroll/CompleteEnroll");
        }
        return issue(c, peer, "boot nonce " + BootCheck.shortHex(c.nonce()) + " matches the boot event log");
    }

    /** Refuses the enrollment without a TPM ({@code tpm.required=true}, the default of a new install). */
    public void requireMeasuredBoot(boolean required) {
        this.measuredBootRequired = required;
    }

    public boolean measuredBootRequired() {
        return measuredBootRequired;
    }

    /** An enrollment whose boot facts checked out: the HPC, its boot's nonce and the key to certify. */
    public record Checked(String hpc, String nonce, PublicKey key) { }

    /**
     * Everything an enrollment must show before a certificate is issued, with or without a TPM: the
     * peer's rate, the MAC it claims holding its address's lease, a CSR over the TLS session's key,
     * and a boot of that MAC on record with the nonce of its command line, checked by {@link BootCheck}.
     */
    public Checked check(byte[] csrDer, BootFacts facts, X509Certificate tlsCertificate, InetAddress peer) throws StatusException {
        if (tooManyFailures(peer)) {
            throw refuse(peer, "?", Status.RESOURCE_EXHAUSTED, MAX_FAILURES + " enrollments from " + peer.getHostAddress()
                    + " were refused in the last " + FAILURE_WINDOW.toMinutes() + " minutes; try later");
        }
        MacAddress mac;
        try {
            mac = MacAddress.parse(facts.getMac());
        } catch (IllegalArgumentException e) {
            throw refuse(peer, "?", Status.INVALID_ARGUMENT, "boot facts: not a MAC address: '" + Printable.of(facts.getMac(), 64) + "'");
        }
        String hpc = mac.toString();
        PublicKey key;
        try {
            key = CsrCheck.publicKeyOf(csrDer);
        } catch (IllegalArgumentException e) {
            throw refuse(peer, hpc, Status.INVALID_ARGUMENT, e.getMessage());
        }
        if (!key.equals(tlsCertificate.getPublicKey())) {
            throw refuse(peer, hpc, Status.INVALID_ARGUMENT, "the CSR is over another key than the TLS session's certificate");
        }
        if (facts.getKernelCmdline().length() > MAX_CMDLINE || facts.getBootedCount() > MAX_BOOTED_CLAIMS) {
            throw refuse(peer, hpc, Status.INVALID_ARGUMENT, "boot facts too large (command line at most " + MAX_CMDLINE
                    + " characters, at most " + MAX_BOOTED_CLAIMS + " booted artifacts)");
        }
        Optional<MacAddress> holder = directory.macOf(peer);
        if (holder.isEmpty() || !holder.get().equals(mac)) {
            throw refuse(peer, hpc, Status.PERMISSION_DENIED, "the agent at " + peer.getHostAddress() + " says it is " + hpc
                    + ", but " + holder.map(m -> "the lease of that address is held by " + m).orElse("no lease is held on that address"));
        }
        Optional<String> nonce = BootCheck.nonceOf(facts.getKernelCmdline());
        if (nonce.isEmpty()) {
            throw refuse(peer, hpc, Status.INVALID_ARGUMENT, "the kernel command line has no single well-formed leo.nonce= (64 hex digits)");
        }
        Optional<BootSession> boot = boots.latestBoot(mac);
        if (boot.isEmpty()) {
            throw refuse(peer, hpc, Status.FAILED_PRECONDITION, "no boot of " + hpc + " is on record");
        }
        List<String> problems = check.problems(boot.get(), nonce.get(), facts.getBootedMap(), clock.instant());
        if (!problems.isEmpty()) {
            throw refuse(peer, hpc, Status.PERMISSION_DENIED, String.join("; ", problems));
        }
        return new Checked(hpc, nonce.get(), key);
    }

    /** Issues the certificate of a checked enrollment; {@code why} says in the log what proved the boot. */
    public EnrollResponse issue(Checked c, InetAddress peer, String why) throws StatusException {
        String hpc = c.hpc();
        revokeEarlierBoots(hpc, c.nonce(), peer);
        X509Certificate cert;
        try {
            cert = ca.issueClient(c.key(), hpc, lifetime);
        } catch (GeneralSecurityException e) {
            throw refuse(peer, hpc, Status.INTERNAL, "cannot issue a certificate: " + e.getMessage());
        }
        String serial = cert.getSerialNumber().toString(16);
        try {
            if (!store.recordEnrollment(new EnrollmentStore.Enrollment(hpc, c.nonce(), serial, clock.instant(),
                    cert.getNotAfter().toInstant()))) {
                throw refuse(peer, hpc, Status.ALREADY_EXISTS, "the boot with nonce " + BootCheck.shortHex(c.nonce())
                        + " has enrolled already; a boot enrolls once");
            }
        } catch (SQLException e) {
            throw refuse(peer, hpc, Status.UNAVAILABLE, "enrollment store: " + e.getMessage());
        }
        log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ENROLLMENT, "info", "enroll.accepted",
                "HPC " + hpc + " at " + peer.getHostAddress() + " enrolled: " + why + "; certificate serial " + serial + " valid until "
                        + cert.getNotAfter().toInstant(),
                "nonce=" + c.nonce() + "\nserial=" + serial + "\npeer=" + peer.getHostAddress()));
        LOG.info("HPC {} at {} enrolled ({}; certificate {} until {})", hpc, peer.getHostAddress(), why, serial, cert.getNotAfter().toInstant());
        onEnrolled.accept(hpc, c.nonce());
        return response(cert, hpc);
    }

    /**
     * A new boot enrolled: every unexpired certificate of the HPC's earlier boots is revoked, durably,
     * before the new certificate is handed out. Whoever still holds an old key (the previous boot's
     * agent, or whatever replaced it) can no longer open a stream or renew.
     */
    private void revokeEarlierBoots(String hpc, String nonce, InetAddress peer) throws StatusException {
        try {
            for (EnrollmentStore.IssuedCertificate c : store.otherBootsCertificates(hpc, nonce, clock.instant())) {
                java.math.BigInteger serial = new java.math.BigInteger(c.serialHex(), 16);
                if (revocations.lookup(serial).isEmpty()) {
                    revocations.revoke(serial, "superseded: boot " + BootCheck.shortHex(nonce) + " of " + hpc + " enrolled");
                    LOG.info("HPC {}: certificate {} of boot {} revoked (a newer boot enrolled)", hpc, c.serialHex(), BootCheck.shortHex(c.bootNonce()));
                }
            }
        } catch (SQLException | java.io.IOException e) {
            throw refuse(peer, hpc, Status.UNAVAILABLE, "cannot revoke the certificates of earlier boots: " + e.getMessage());
        }
    }

    /** A new certificate for the boot of {@code current}, over the key of a fresh CSR. */
    public EnrollResponse renew(byte[] csrDer, X509Certificate current, InetAddress peer) throws StatusException {
        String hpc = hpcOf(current);
        PublicKey key;
        try {
            key = CsrCheck.publicKeyOf(csrDer);
        } catch (IllegalArgumentException e) {
            throw refuse(peer, hpc, Status.INVALID_ARGUMENT, e.getMessage());
        }
        String oldSerial = current.getSerialNumber().toString(16);
        String nonce;
        try {
            nonce = store.bootOfCertificate(oldSerial).orElseThrow(() -> refuse(peer, hpc, Status.PERMISSION_DENIED,
                    "certificate " + oldSerial + " is not one this server issued"));
        } catch (SQLException e) {
            throw refuse(peer, hpc, Status.UNAVAILABLE, "enrollment store: " + e.getMessage());
        }
        try {
            Optional<EnrollmentStore.Enrollment> latest = store.latest(hpc);
            if (latest.isEmpty() || !latest.get().bootNonce().equals(nonce)) {
                throw refuse(peer, hpc, Status.PERMISSION_DENIED, "certificate " + oldSerial + " belongs to boot " + BootCheck.shortHex(nonce)
                        + ", but boot " + latest.map(l -> BootCheck.shortHex(l.bootNonce())).orElse("?") + " of this HPC enrolled since");
            }
        } catch (SQLException e) {
            throw refuse(peer, hpc, Status.UNAVAILABLE, "enrollment store: " + e.getMessage());
        }
        X509Certificate cert;
        try {
            cert = ca.issueClient(key, hpc, lifetime);
            store.recordRenewal(hpc, nonce, cert.getSerialNumber().toString(16), cert.getNotAfter().toInstant());
        } catch (GeneralSecurityException | SQLException e) {
            throw refuse(peer, hpc, Status.UNAVAILABLE, "cannot renew: " + e.getMessage());
        }
        log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ENROLLMENT, "info", "enroll.renewed",
                "HPC " + hpc + " renewed certificate " + oldSerial + " as " + cert.getSerialNumber().toString(16) + " until "
                        + cert.getNotAfter().toInstant(), "old=" + oldSerial + "\nnew=" + cert.getSerialNumber().toString(16)));
        return response(cert, hpc);
    }

    /** The HPC id a client certificate was issued to (its CN). */
    public static String hpcOf(X509Certificate cert) {
        String dn = cert.getSubjectX500Principal().getName();
        for (String rdn : dn.split(",")) {
            if (rdn.startsWith("CN=")) {
                return rdn.substring(3);
            }
        }
        return dn;
    }

    private EnrollResponse response(X509Certificate cert, String hpc) throws StatusException {
        try {
            return EnrollResponse.newBuilder()
                    .addCertificateChainDer(ByteString.copyFrom(cert.getEncoded()))
                    .addCertificateChainDer(ByteString.copyFrom(ca.certificate().getEncoded()))
                    .setNotAfterEpochSeconds(cert.getNotAfter().toInstant().getEpochSecond())
                    .setHpcId(hpc).build();
        } catch (CertificateEncodingException e) {
            throw Status.INTERNAL.withDescription(e.getMessage()).asException();
        }
    }

    /** Logs a refusal (durably), counts it against the peer, and returns the status to throw. */
    public StatusException refuse(InetAddress peer, String hpc, Status status, String reason) {
        // The reason may quote the HPC (a certificate's names, a parser's view of its bytes): escaped once, here.
        String why = Printable.of(reason, Printable.MAX_SENTENCE * 2);
        if (status.getCode() != Status.Code.RESOURCE_EXHAUSTED) {
            Deque<Instant> q = failures.computeIfAbsent(peer, p -> new ArrayDeque<>());
            synchronized (q) {
                q.addLast(clock.instant());
            }
        }
        String sentence = "HPC " + hpc + " at " + peer.getHostAddress() + ": enrollment refused (" + status.getCode() + "): " + why;
        LOG.warn(sentence);
        try {
            log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ENROLLMENT, "warning", "enroll.refused",
                    sentence, "code=" + status.getCode() + "\npeer=" + peer.getHostAddress()));
        } catch (IllegalStateException e) {
            LOG.error("enrollment refusal not logged: {}", e.getMessage());
        }
        return status.withDescription(why).asException();
    }

    private boolean tooManyFailures(InetAddress peer) {
        Instant horizon = clock.instant().minus(FAILURE_WINDOW);
        if (failures.size() > MAX_TRACKED_PEERS) { // addresses that stopped trying: forget those with nothing in the window
            failures.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().isEmpty() || e.getValue().peekLast().isBefore(horizon);
                }
            });
        }
        Deque<Instant> q = failures.get(peer);
        if (q == null) {
            return false;
        }
        synchronized (q) {
            while (!q.isEmpty() && q.peekFirst().isBefore(horizon)) {
                q.pollFirst();
            }
            return q.size() >= MAX_FAILURES;
        }
    }
}
