package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.consensus.v1.RelayAnswer;

/**
 * Fuzzes a relayed answer as the HPC's Pi sends it (seeded with a real one, AnswerCheckTest): the
 * verifier's checks never throw, always reach an outcome, and TRUSTED only with no problem. The pins
 * and the nonce are taken from the input itself, so the fuzzer gets past them to the deeper checks.
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
        AnswerCheck.Appraisal x = AnswerCheck.of(a, nonce, HPC, pi, Instant.now());
        assertThat(x.outcome()).isNotNull();
        assertThat(x.evidenceSha256()).hasSize(Verdict.DIGEST_BYTES);
        if (x.outcome() == Verdict.Outcome.TRUSTED) {
            assertThat(x.problems()).isEmpty();
        }
    }
}
