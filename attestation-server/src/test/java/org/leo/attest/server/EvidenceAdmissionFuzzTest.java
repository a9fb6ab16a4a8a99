package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.leo.attest.appraise.Appraiser;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.FindingIds;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.ca.ApplianceCa;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.DiskRootCheck;
import org.leo.protocol.attest.v1.DiskSpotCheck;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.HardwareCheck;
import org.leo.protocol.attest.v1.NetworkCheck;
import org.leo.protocol.attest.v1.OsCheck;
import org.leo.protocol.attest.v1.TpmQuoteCheck;

/**
 * The whole path of an answer from a compromised agent, which signs whatever it likes: admission
 * (signature, shape, limits, challenge, nonce, sequence), then appraisal with TPM checks on against
 * an arbitrary golden (a golden is checked when taken, but the appraiser must not rely on that).
 * Whatever the bytes: admitted or refused with a catalogued id, and then a verdict; no exception.
 */
class EvidenceAdmissionFuzzTest {
    static final KeyPair KEY = keyPair();
    static final PublicKey VERIFIER = verifier();
    static final Policy POLICY = Policy.of(Map.of("disk.d.path", "/dev/vda", "disk.d.chunk-size", "4096", "check.tpm.probability", "1"));
    static final Appraiser APPRAISER = new Appraiser(POLICY);
    static final Challenge CHALLENGE = Challenge.newBuilder().setChallengeId(7).setNonce(ByteString.copyFrom(new byte[32]))
            .addChecks(Check.newBuilder().setOs(OsCheck.newBuilder().setKernelCmdline(true).setProcesses(true).setModules(true)))
            .addChecks(Check.newBuilder().setHardware(HardwareCheck.getDefaultInstance()))
            .addChecks(Check.newBuilder().setNetwork(NetworkCheck.getDefaultInstance()))
            .addChecks(Check.newBuilder().setDiskRoot(DiskRootCheck.newBuilder().setTarget("/dev/vda").setChunkSize(4096)))
            .addChecks(Check.newBuilder().setDiskSpot(DiskSpotCheck.newBuilder().setTarget("/dev/vda").setChunkSize(4096).addChunkIndices(3)))
            .addChecks(Check.newBuilder().setTpmQuote(TpmQuoteCheck.newBuilder().addPcrs(4).addPcrs(11)))
            .build();

    static KeyPair keyPair() {
        try {
            return ApplianceCa.newKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static PublicKey verifier() {
        try {
            return EvidenceSignature.verifierKey(KEY.getPublic());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @FuzzTest(maxDuration = "30s")
    void admissionAndAppraisalAlwaysEndInAVerdict(FuzzedDataProvider data) throws Exception {
        byte[] goldenBytes = data.consumeBytes(data.consumeInt(0, 4096));
        long sequence = data.consumeLong();
        boolean sign = data.consumeBoolean();
        byte[] body = data.consumeRemainingAsBytes();
        Evidence evidence = Evidence.newBuilder().setBody(ByteString.copyFrom(body))
                .setSignature(ByteString.copyFrom(sign ? EvidenceSignature.sign(KEY.getPrivate(), body) : body)).build();
        Map<Long, Outstanding> outstanding = new LinkedHashMap<>();
        outstanding.put(7L, new Outstanding(CHALLENGE, Instant.EPOCH, Instant.MAX, false, null));
        EvidenceAdmission.Result r = EvidenceAdmission.admit(new EvidenceAdmission.View(VERIFIER, "abc", outstanding, Map.of(6L, Instant.EPOCH),
                sequence), evidence);
        if (r instanceof EvidenceAdmission.Refused no) {
            assertThat(FindingIds.known(no.eventId())).isTrue();
            assertThat(no.why()).isNotEmpty();
            return;
        }
        EvidenceAdmission.Admitted yes = (EvidenceAdmission.Admitted) r;
        assertThat(yes.challenge().challenge()).isEqualTo(CHALLENGE);
        EvidenceBody golden;
        try {
            golden = EvidenceBody.parseFrom(goldenBytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            golden = EvidenceBody.getDefaultInstance();
        }
        Verdict v = APPRAISER.appraise("52:54:00:77:00:10", CHALLENGE, yes.body(), new Golden("52:54:00:77:00:10", "5a".repeat(32), golden));
        assertThat(v.findings().size()).isLessThanOrEqualTo(org.leo.attest.appraise.Findings.MAX_PER_ANSWER + 1);
        for (Finding f : v.findings()) {
            assertThat(FindingIds.known(f.eventId())).isTrue();
            assertThat(f.eventId()).isNotEqualTo("appraisal.failed"); // an unforeseen case is a bug to fix, even though it is caught
            assertThat(f.sentence()).startsWith("HPC 52:54:00:77:00:10: ").doesNotContain("\n");
        }
    }
}
