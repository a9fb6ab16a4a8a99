package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.leo.attest.appraise.Policy;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * Fuzzes a relayed answer as the HPC's Pi sends it (seeded with a real one, AnswerCheckTest): the
 * verifier's checks and its own appraisal never throw, always reach an outcome, and TRUSTED only with no
 * problem and no finding. The pins, the nonce and the published golden are taken from the input itself,
 * so the fuzzer gets past them to the deeper checks.
 */
class AnswerCheckFuzzTest {
    static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");

    @FuzzTest(maxDuration = "30s")
    void checkNeverThrows(byte[] input) {
        RelayAnswer a;
        try {
            a = RelayAnswer.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        byte[] nonce;
        try {
            nonce = EvidenceBody.parseFrom(a.getEvidence().getBody()).getNonce().toByteArray();
        } catch (InvalidProtocolBufferException e) {
            nonce = new byte[32];
        }
        PeerList.Peer pi = new PeerList.Peer(new byte[32], "127.0.0.1", 1, Lab.sha256Bytes(a.getPiQuote().getAkSpkiDer().toByteArray()),
                Optional.of(Lab.sha256Bytes(a.getCaCertificateDer().toByteArray())), List.of(HPC));
        // the golden the input carries is the published one, so the fuzzer gets past that check too
        LedgerRecord.ReferenceValues published = new LedgerRecord.ReferenceValues(HPC, new byte[32], new byte[32],
                Lab.sha256Bytes(a.getGolden().getBody().toByteArray()));
        AnswerCheck.Appraisal x = AnswerCheck.of(a, nonce, HPC, pi, Optional.of(published), Policy.defaults(), Instant.now());
        assertThat(x.outcome()).isNotNull();
        assertThat(x.evidenceSha256()).hasSize(Verdict.DIGEST_BYTES);
        if (x.outcome() == Verdict.Outcome.TRUSTED) {
            assertThat(x.problems()).isEmpty();
            assertThat(x.findings()).isEmpty();
        }
    }
}
