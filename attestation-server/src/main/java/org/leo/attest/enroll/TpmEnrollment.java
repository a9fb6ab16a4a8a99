package org.leo.attest.enroll;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusException;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.measured.MeasuredBootCheck;
import org.leo.attest.measured.UkiExpectation;
import org.leo.protocol.attest.v1.BeginEnrollRequest;
import org.leo.protocol.attest.v1.CompleteEnrollRequest;
import org.leo.protocol.attest.v1.EnrollChallenge;
import org.leo.protocol.attest.v1.EnrollResponse;
import org.leo.protocol.attest.v1.TpmIdentity;
import org.leo.protocol.tpm.AkPublic;
import org.leo.protocol.tpm.CredentialProtection;
import org.leo.protocol.tpm.EkCertificateException;
import org.leo.protocol.tpm.EkCertificateVerifier;
import org.leo.protocol.tpm.EkPublic;
import org.leo.protocol.tpm.ProtectedCredential;
import org.leo.protocol.tpm.QuoteExpectation;
import org.leo.protocol.tpm.QuoteVerdict;
import org.leo.protocol.tpm.QuoteVerifier;
import org.leo.protocol.tpm.TpmFormatException;
import org.leo.protocol.tpm.TpmQuote;
import org.leo.boot.manifest.Sha256;

/**
 * Measured-boot enrollment in two steps (attestation.proto: BeginEnroll, CompleteEnroll). The
 * first checks the boot facts as {@link Enroller#check} does, then the HPC TPM's identity: the EK
 * certificate chains to a manufacturer root and is for the EK the TPM reports; that EK, and the
 * attestation key, are the ones the operator pinned for this MAC ({@code leo attest hpc enroll});
 * the AK is a restricted signing key. It answers with a credential only the TPM holding both the
 * EK and the AK can open (TPM2_MakeCredential) and a quote nonce. The second step must bring the
 * credential back, a quote of {@link MeasuredBootCheck#PCRS} with that nonce under the AK, and the
 * event log that replays to it and shows the signed image's UKI and this boot's command line.
 * Pending first steps are kept per TLS key for {@link #PENDING_TTL}, at most {@link #MAX_PENDING}.
 */
public final class TpmEnrollment {
    static final Duration PENDING_TTL = Duration.ofSeconds(120);
    static final int MAX_PENDING = 256;
    /** The largest event log taken: Linux's securityfs log of a PC is tens of KiB; the parser caps at 1 MiB. */
    static final int MAX_EVENT_LOG = 1 << 20;

    private record Pending(Enroller.Checked checked, AkPublic ak, byte[] credential, byte[] quoteNonce, Instant expires) { }

    private final Enroller enroller;
    private final EnrollmentStore store;
    private final EkCertificateVerifier ekRoots;
    private final BootExpectation expectation;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Pending> pending = new LinkedHashMap<>();

    public TpmEnrollment(Enroller enroller, EnrollmentStore store, EkCertificateVerifier ekRoots, BootExpectation expectation, Clock clock) {
        this.enroller = enroller;
        this.store = store;
        this.ekRoots = ekRoots;
        this.expectation = expectation;
        this.clock = clock;
    }

    public EnrollChallenge begin(BeginEnrollRequest request, X509Certificate tls, InetAddress peer) throws StatusException {
        Enroller.Checked c = enroller.check(request.getCsrDer().toByteArray(), request.getBootFacts(), tls, peer);
        String hpc = c.hpc();
        if (expectation.uki().isEmpty()) {
            throw enroller.refuse(peer, hpc, Status.FAILED_PRECONDITION, "the served image has no measured unified kernel image"
                    + " (leo-hpc.efi.measurements): a measured enrollment cannot succeed");
        }
        TpmIdentity id = request.getTpm();
        EkPublic ek;
        AkPublic ak;
        try {
            ek = EkPublic.parse(id.getEkPublicArea().toByteArray());
            ak = AkPublic.parse(id.getAkPublicArea().toByteArray());
        } catch (TpmFormatException e) {
            throw enroller.refuse(peer, hpc, Status.INVALID_ARGUMENT, "TPM identity: " + e.getMessage());
        }
        X509Certificate ekCert;
        try {
            List<byte[]> intermediates = new ArrayList<>();
            id.getEkIntermediatesDerList().forEach(b -> intermediates.add(b.toByteArray()));
            ekCert = ekRoots.verify(id.getEkCertificateDer().toByteArray(), intermediates, ek.publicKey(), clock.instant());
        } catch (EkCertificateException e) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, e.getMessage());
        }
        HexFormat hex = HexFormat.of();
        String ekSha = Sha256.hex(ek.publicKey().getEncoded());
        String akName = hex.formatHex(ak.name());
        Optional<EnrollmentStore.TpmPin> pin;
        try {
            store.recordSeenTpm(new EnrollmentStore.TpmPin(hpc, ekSha, akName, clock.instant(), ekCert.getIssuerX500Principal().getName()));
            pin = store.pinnedTpm(hpc);
        } catch (SQLException e) {
            throw enroller.refuse(peer, hpc, Status.UNAVAILABLE, "enrollment store: " + e.getMessage());
        }
        if (pin.isEmpty()) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "no TPM is pinned for HPC " + hpc + "; it shows EK sha256 " + ekSha
                    + " (certificate by " + ekCert.getIssuerX500Principal().getName() + ") and AK " + akName.substring(0, 20)
                    + "..: if that is its TPM, pin it with 'leo attest hpc enroll --mac " + hpc + " --ek-sha256 " + ekSha + "'");
        }
        if (!pin.get().ekSha256().equals(ekSha)) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "HPC " + hpc + " shows the TPM with EK sha256 " + ekSha
                    + ", but the TPM pinned for it has EK sha256 " + pin.get().ekSha256());
        }
        // An EK pinned from its certificate alone (leo attest hpc enroll --ek-cert) has no AK yet: the first
        // AK that activates a credential under it is pinned at the end of that enrollment.
        if (!pin.get().akName().isEmpty() && !pin.get().akName().equals(akName)) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "HPC " + hpc + " shows attestation key " + akName
                    + ", but the one pinned with its TPM is " + pin.get().akName());
        }
        byte[] credential = new byte[CredentialProtection.MAX_CREDENTIAL_BYTES];
        byte[] nonce = new byte[32];
        random.nextBytes(credential);
        random.nextBytes(nonce);
        ProtectedCredential sealed;
        try {
            sealed = CredentialProtection.make(ek, ak.name(), credential);
        } catch (RuntimeException e) {
            throw enroller.refuse(peer, hpc, Status.INVALID_ARGUMENT, "cannot make a credential for that EK: " + e.getMessage());
        }
        synchronized (pending) {
            Instant now = clock.instant();
            pending.values().removeIf(p -> p.expires().isBefore(now));
            if (pending.size() >= MAX_PENDING) {
                throw enroller.refuse(peer, hpc, Status.RESOURCE_EXHAUSTED, MAX_PENDING + " measured enrollments are pending; try later");
            }
            pending.put(keyOf(tls), new Pending(c, ak, credential, nonce, now.plus(PENDING_TTL)));
        }
        return EnrollChallenge.newBuilder().setCredentialBlob(ByteString.copyFrom(sealed.credentialBlob()))
                .setEncryptedSecret(ByteString.copyFrom(sealed.secret())).setQuoteNonce(ByteString.copyFrom(nonce))
                .addAllPcrs(MeasuredBootCheck.PCRS).build();
    }

    public EnrollResponse complete(CompleteEnrollRequest request, X509Certificate tls, InetAddress peer) throws StatusException {
        Pending p;
        synchronized (pending) {
            p = pending.remove(keyOf(tls));
        }
        if (p == null || p.expires().isBefore(clock.instant())) {
            throw enroller.refuse(peer, p == null ? "?" : p.checked().hpc(), Status.FAILED_PRECONDITION,
                    "no measured enrollment of this key is pending (BeginEnroll first; it is valid " + PENDING_TTL.toSeconds() + " s)");
        }
        String hpc = p.checked().hpc();
        if (!MessageDigest.isEqual(p.credential(), request.getActivatedCredential().toByteArray())) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "the credential came back wrong: the attestation key "
                    + HexFormat.of().formatHex(p.ak().name()).substring(0, 20) + ".. is not on the TPM of the pinned EK");
        }
        int[] pcrs = MeasuredBootCheck.PCRS.stream().mapToInt(Integer::intValue).toArray();
        var q = request.getQuote();
        if (q.getPcrValuesCount() != pcrs.length || request.getEventLog().size() > MAX_EVENT_LOG) {
            throw enroller.refuse(peer, hpc, Status.INVALID_ARGUMENT, "the quote must carry the values of PCRs " + MeasuredBootCheck.PCRS
                    + " and the event log at most " + MAX_EVENT_LOG + " bytes");
        }
        List<byte[]> values = new ArrayList<>();
        q.getPcrValuesList().forEach(v -> values.add(v.toByteArray()));
        QuoteVerdict verdict;
        try {
            verdict = QuoteVerifier.verify(p.ak().publicKey(), new TpmQuote(q.getAttest().toByteArray(), q.getSignature().toByteArray(), pcrs, values),
                    QuoteExpectation.of(p.quoteNonce(), pcrs));
        } catch (RuntimeException e) {
            throw enroller.refuse(peer, hpc, Status.INVALID_ARGUMENT, "the quote is malformed: " + e.getMessage());
        }
        if (!verdict.ok()) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "the TPM quote does not verify: " + verdict.summary());
        }
        Map<Integer, byte[]> quoted = new LinkedHashMap<>();
        for (int i = 0; i < pcrs.length; i++) {
            quoted.put(pcrs[i], values.get(i));
        }
        UkiExpectation uki = expectation.uki().orElseThrow();
        String cmdline = expectation.commandLine(p.checked().nonce()).orElse("");
        List<String> problems = MeasuredBootCheck.problems(request.getEventLog().toByteArray(), quoted, uki, cmdline);
        if (!problems.isEmpty()) {
            throw enroller.refuse(peer, hpc, Status.PERMISSION_DENIED, "measured boot: " + String.join("; ", problems));
        }
        pinFirstAk(hpc, p.ak());
        return enroller.issue(p.checked(), peer, "measured boot of UKI " + uki.ukiAuthenticode().substring(0, 16) + ".. with boot nonce "
                + BootCheck.shortHex(p.checked().nonce()) + ", quoted by the pinned TPM");
    }

    /** Completes a pin made from the EK certificate alone with the AK that just proved to be on that TPM. */
    private void pinFirstAk(String hpc, AkPublic ak) throws StatusException {
        try {
            Optional<EnrollmentStore.TpmPin> pin = store.pinnedTpm(hpc);
            if (pin.isPresent() && pin.get().akName().isEmpty()) {
                store.pinTpm(new EnrollmentStore.TpmPin(hpc, pin.get().ekSha256(), HexFormat.of().formatHex(ak.name()), clock.instant(),
                        pin.get().by() + "; AK pinned at its first measured enrollment"));
            }
        } catch (SQLException e) {
            throw Status.UNAVAILABLE.withDescription("enrollment store: " + e.getMessage()).asException();
        }
    }

    private static String keyOf(X509Certificate tls) {
        return Sha256.hex(tls.getPublicKey().getEncoded());
    }
}
