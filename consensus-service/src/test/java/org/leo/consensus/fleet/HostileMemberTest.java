package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.appraise.Policy;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.FleetGrpc;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * Members of the lab fleet sending what no honest member would, over the real mutual-TLS channel to
 * the HPC's Pi: forged VRF proofs, inflated and unproven vote counts, a second challenge, a round
 * the Pi does not know, a challenge in another member's name, a bad signature, a replayed verdict,
 * an equivocation, oversized messages, and the HPC's own Pi voting. Each is refused with its reason
 * and counted once under it; the equivocation is recorded on the ledger when the round closes.
 */
@Tag("system")
class HostileMemberTest {
    static final int TAU = 7;
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    static ChallengeRequest challenge(RoundId round, MemberKeys k, long votes, byte[] proof) {
        return ChallengeRequest.newBuilder().setRoundId(ByteString.copyFrom(round.encode())).setMemberKey(ByteString.copyFrom(k.member()))
                .setVotes((int) votes).setVrfProof(ByteString.copyFrom(proof)).setNonce(ByteString.copyFrom(Lab.sha256("nonce " + votes))).build();
    }

    static VerdictRequest verdict(Verdict v) {
        return VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(v.encode())).build();
    }

    static byte[] flipped(byte[] b, int i) {
        byte[] c = b.clone();
        c[i] ^= 1;
        return c;
    }

    static void refused(ChallengeResponse r, String reason) {
        assertThat(r.getRefused().getReason()).as(r.toString()).isEqualTo(reason);
    }

    static void refused(VerdictResponse r, String reason) {
        assertThat(r.getCounted()).isFalse();
        assertThat(r.getRefused().getReason()).as(r.toString()).isEqualTo(reason);
    }

    @Test
    void everyHostileMessageIsRefusedWithItsReasonCounted() throws Exception {
        try (LabFleet f = new LabFleet(tmp, 7, TAU, T)) {
            RoundId round = f.roundWhere(v -> v[1] >= 1 && v[2] == 0);
            Alpha alpha = new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER);
            MemberKeys hostile = f.nodes.get(1).keys();
            MemberKeys unselected = f.nodes.get(2).keys();
            MemberSortition.Draw d = hostile.draw(alpha, 10, 70, TAU);
            MemberSortition.Draw none = unselected.draw(alpha, 10, 70, TAU);
            FleetClient c = f.nodes.get(1).client(f.hpcPi());
            byte[] forged = flipped(d.proof(), 40);

            refused(c.challenge(challenge(round, hostile, d.votes(), forged), T), "BAD_PROOF");
            refused(c.challenge(challenge(round, hostile, d.votes() + 1, d.proof()), T), "INFLATED_VOTES");
            refused(f.nodes.get(2).client(f.hpcPi()).challenge(challenge(round, unselected, 1, none.proof()), T), "NOT_SELECTED");
            refused(c.challenge(challenge(round, unselected, 1, none.proof()), T), "PEER_MISMATCH");
            refused(c.challenge(challenge(new RoundId(Lab.sha256("no such head"), round.hpc(), 1), hostile, d.votes(), d.proof()), T),
                    "UNKNOWN_ROUND");
            ChallengeRequest honest = challenge(round, hostile, d.votes(), d.proof());
            ChallengeResponse answered = c.challenge(honest, T);
            assertThat(answered.hasAnswer()).as(answered.getRefused().toString()).isTrue();
            assertThat(AnswerCheck.of(answered.getAnswer(), honest.getNonce().toByteArray(), round.hpc(), f.hpcPi(),
                    f.hpcPiNode().ledger().at(round.ledgerHead()).orElseThrow().referenceValues(round.hpc()), Policy.defaults(), Instant.now())
                    .outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            refused(c.challenge(honest, T), "REPEATED_CHALLENGE");

            byte[] digest = Lab.sha256("evidence");
            refused(c.verdict(verdict(hostile.sign(round, (int) d.votes() + 1, d.proof(), Verdict.Outcome.TRUSTED, digest)), T), "INFLATED_VOTES");
            refused(c.verdict(verdict(hostile.sign(round, (int) d.votes(), forged, Verdict.Outcome.TRUSTED, digest)), T), "BAD_PROOF");
            Verdict good = hostile.sign(round, (int) d.votes(), d.proof(), Verdict.Outcome.TRUSTED, digest);
            byte[] badSignature = flipped(good.encode(), Verdict.ENCODED_BYTES - 1);
            refused(c.verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(badSignature)).build(), T), "BAD_SIGNATURE");
            assertThat(c.verdict(verdict(good), T).getCounted()).isTrue();
            refused(c.verdict(verdict(good), T), "REPLAYED");
            refused(c.verdict(verdict(hostile.sign(round, (int) d.votes(), d.proof(), Verdict.Outcome.UNTRUSTED, digest)), T), "EQUIVOCATION");
            MemberKeys pi = f.hpcPiNode().keys();
            MemberSortition.Draw own = pi.draw(alpha, 10, 70, TAU);
            refused(c.verdict(verdict(pi.sign(round, (int) Math.max(1, own.votes()), own.proof(), Verdict.Outcome.TRUSTED, digest)), T), "OWN_HPC");
            refused(c.verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(new byte[Verdict.ENCODED_BYTES + 1])).build(), T),
                    "OVERSIZED");
            VerdictRequest huge = VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(new byte[FleetLimits.MAX_REQUEST_BYTES])).build();
            assertThatThrownBy(() -> FleetGrpc.newBlockingStub(c.channel()).withDeadlineAfter(20, TimeUnit.SECONDS).verdict(huge))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

            Refusals counted = f.hpcPiNode().refusals();
            Map<String, Long> expected = Map.ofEntries(Map.entry("BAD_PROOF", 2L), Map.entry("INFLATED_VOTES", 2L), Map.entry("NOT_SELECTED", 1L),
                    Map.entry("PEER_MISMATCH", 1L), Map.entry("UNKNOWN_ROUND", 1L), Map.entry("REPEATED_CHALLENGE", 1L),
                    Map.entry("BAD_SIGNATURE", 1L), Map.entry("REPLAYED", 1L), Map.entry("EQUIVOCATION", 1L), Map.entry("OWN_HPC", 1L),
                    Map.entry("OVERSIZED", 2L));
            // gRPC counts the message over its cap on its transport thread, after the call has failed: await it
            KeyReleaseTest.await(() -> counted.count("OVERSIZED") == 2, "the message over the transport cap is counted");
            expected.forEach((reason, n) -> assertThat(counted.count(reason)).as(reason).isEqualTo(n));
            assertThat(counted.registry().find(Refusals.COUNTER).counters()).hasSize(expected.size());

            Rounds.Closed closed = f.hpcPiNode().closeRound(round);
            assertThat(closed.certificate()).as("the equivocator's votes no longer count").isEmpty();
            LedgerRecord last = f.ledger.head().orElseThrow().record();
            assertThat(last).isInstanceOf(LedgerRecord.EquivocationRecorded.class);
            assertThat(((LedgerRecord.EquivocationRecorded) last).evidence().memberHex()).isEqualTo(hostile.memberHex());
            assertThat(((LedgerRecord.EquivocationRecorded) last).evidence().verify()).isTrue();
            refused(c.verdict(verdict(good), T), "ROUND_CLOSED");
            assertThat(closed.entry()).isEmpty();
        }
    }
}
