package org.leo.agent;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.leo.protocol.attest.v1.CompleteEnrollRequest;
import org.leo.protocol.attest.v1.EnrollChallenge;
import org.leo.protocol.attest.v1.TpmIdentity;
import org.leo.protocol.attest.v1.TpmQuoteResult;
import org.leo.protocol.tpm.AttestationKey;
import org.leo.protocol.tpm.EkType;
import org.leo.protocol.tpm.EndorsementKey;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.TpmException;
import org.leo.protocol.tpm.TpmQuote;

/**
 * The HPC's side of a measured enrollment (attestation.proto BeginEnroll/CompleteEnroll): its TPM's
 * identity (the first EK type whose manufacturer certificate is in NV, and the attestation key),
 * then, for the Pi's challenge, the activated credential, a quote of the PCRs asked with the Pi's
 * nonce, and the firmware's event log. Each step opens the TPM and closes it again, so the agent
 * holds no TPM connection between enrollments.
 */
public final class MeasuredEnrollment {
    /** RSA first (every TPM has it; swtpm certifies it), then the ECC types. */
    static final List<EkType> EK_ORDER = List.of(EkType.RSA_2048, EkType.ECC_P256, EkType.ECC_P384);
    /** Mirrors the server's cap; a real log is tens of KiB. */
    static final int MAX_EVENT_LOG = 1 << 20;

    private final TpmEndpoint tpm;
    private final Path eventLog;
    private EkType ekType;

    /** @param eventLog {@code /sys/kernel/security/tpm0/binary_bios_measurements} (under the agent's host root) */
    public MeasuredEnrollment(TpmEndpoint tpm, Path eventLog) {
        this.tpm = tpm;
        this.eventLog = eventLog;
    }

    /** The TPM's EK (certificate and public area) and AK public area. */
    public TpmIdentity identity() throws TpmException {
        try (Tpm t = Tpm.open(tpm)) {
            TpmException first = null;
            for (EkType type : EK_ORDER) {
                try {
                    EndorsementKey ek = t.endorsementKey(type);
                    AttestationKey ak = t.attestationKey();
                    ekType = type;
                    return TpmIdentity.newBuilder().setEkCertificateDer(ByteString.copyFrom(ek.certificate()))
                            .setEkPublicArea(ByteString.copyFrom(ek.publicArea())).setAkPublicArea(ByteString.copyFrom(ak.publicArea())).build();
                } catch (TpmException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            throw new TpmException("no endorsement key with a certificate in NV (tried " + EK_ORDER + "): " + first.getMessage(), first);
        }
    }

    /** The answer to {@code challenge}: the credential opened by the TPM, the quote, the event log. */
    public CompleteEnrollRequest answer(EnrollChallenge challenge) throws TpmException, IOException {
        if (ekType == null) {
            throw new IllegalStateException("identity() first");
        }
        if (challenge.getPcrsCount() == 0 || challenge.getPcrsCount() > Tpm.PCR_COUNT) {
            throw new IOException("the server asked for a quote of " + challenge.getPcrsCount() + " PCRs");
        }
        byte[] log = readEventLog();
        try (Tpm t = Tpm.open(tpm)) {
            byte[] credential = t.activateCredential(ekType, challenge.getCredentialBlob().toByteArray(), challenge.getEncryptedSecret().toByteArray());
            TpmQuote q = t.quote(challenge.getQuoteNonce().toByteArray(), challenge.getPcrsList().stream().mapToInt(Integer::intValue).toArray());
            TpmQuoteResult.Builder quote = TpmQuoteResult.newBuilder().setAttest(ByteString.copyFrom(q.attest()))
                    .setSignature(ByteString.copyFrom(q.signature()));
            for (int i = 0; i < q.pcrs().length; i++) {
                quote.addPcrs(q.pcrs()[i]).addPcrValues(ByteString.copyFrom(q.pcrValues().get(i)));
            }
            return CompleteEnrollRequest.newBuilder().setActivatedCredential(ByteString.copyFrom(credential)).setQuote(quote)
                    .setEventLog(ByteString.copyFrom(log)).build();
        }
    }

    private byte[] readEventLog() throws IOException {
        if (!Files.isReadable(eventLog)) {
            throw new IOException("no TPM event log at " + eventLog + " (is securityfs mounted?)");
        }
        try (var in = Files.newInputStream(eventLog)) {
            byte[] b = in.readNBytes(MAX_EVENT_LOG + 1);
            if (b.length > MAX_EVENT_LOG) {
                throw new IOException("the TPM event log " + eventLog + " is over " + MAX_EVENT_LOG + " bytes");
            }
            return b;
        }
    }

    @Override
    public String toString() {
        return "TPM " + tpm + ", event log " + eventLog;
    }
}
