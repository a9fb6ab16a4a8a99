package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.Collections;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Check;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.HardwareCheck;
import org.leo.protocol.consensus.v1.Admitted;
import org.leo.protocol.consensus.v1.AttestationLogEntry;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.LogHeadQuote;
import org.leo.protocol.consensus.v1.Quote;
import org.leo.protocol.consensus.v1.Refusal;
import org.leo.protocol.consensus.v1.RelayAnswer;
import org.leo.protocol.consensus.v1.RoundCertificate;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * One test per cap of fleet.proto: a field at its cap passes, one byte (or entry, or character)
 * over is refused with a sentence naming the field; a field of fixed size is refused one under too.
 */
class FleetLimitsTest {
    static ByteString bytes(int n) {
        return ByteString.copyFrom(new byte[n]);
    }

    static String chars(int n) {
        return "x".repeat(n);
    }

    static Quote quote() {
        return Quote.newBuilder().setAttest(bytes(100)).setSignature(bytes(72)).addPcrs(0).addPcrValues(bytes(32)).build();
    }

    static JoinRequest join() {
        return JoinRequest.newBuilder().setMemberKey(bytes(32)).setVrfKey(bytes(32)).setVrfProof(bytes(80)).setAkPublicArea(bytes(90))
                .setQuote(quote()).build();
    }

    static ChallengeRequest challenge() {
        return ChallengeRequest.newBuilder().setRoundId(bytes(RoundId.ENCODED_BYTES)).setMemberKey(bytes(32)).setVotes(1)
                .setVrfProof(bytes(80)).setNonce(bytes(32)).build();
    }

    static AttestationLogEntry entry() {
        return AttestationLogEntry.newBuilder().setSeq(1).setPrevHash(bytes(32)).setHpc("52:54:00:77:00:10").setKind("TPM_QUOTE").build();
    }

    /** A challenge of exactly {@code n} serialized bytes (16 KiB to 2 MiB): a nonce field of n - 4 bytes (tag 1, length 3). */
    static Challenge challengeOf(int n) {
        Challenge c = Challenge.newBuilder().setNonce(bytes(n - 4)).build();
        if (c.getSerializedSize() != n) {
            throw new IllegalArgumentException("a challenge of " + c.getSerializedSize() + " bytes, not " + n);
        }
        return c;
    }

    static RelayAnswer answer() {
        return RelayAnswer.newBuilder().setEvidence(Evidence.newBuilder().setBody(bytes(1000)).setSignature(bytes(72)))
                .setGolden(Evidence.newBuilder().setBody(bytes(1000)).setSignature(bytes(72)))
                .addAgentCertificateChainDer(bytes(500)).setCaCertificateDer(bytes(500))
                .setPiQuote(LogHeadQuote.newBuilder().setHeadSeq(1).setHeadHash(bytes(32)).setQuote(quote()).setAkSpkiDer(bytes(91)))
                .addLogSegment(entry()).build();
    }

    static Quote.Builder pcrs(Quote.Builder q, int n, int valueBytes) {
        q.clearPcrs().clearPcrValues();
        for (int i = 0; i < n; i++) {
            q.addPcrs(i).addPcrValues(bytes(valueBytes));
        }
        return q;
    }

    /** (field, cap, fixed size?, the problem of a message whose field has size n). */
    static Stream<Arguments> caps() {
        return Stream.of(
                cap("join member_key", FleetLimits.KEY_BYTES, true, n -> FleetLimits.problem(join().toBuilder().setMemberKey(bytes(n)).build())),
                cap("join vrf_key", FleetLimits.KEY_BYTES, true, n -> FleetLimits.problem(join().toBuilder().setVrfKey(bytes(n)).build())),
                cap("join vrf_proof", FleetLimits.PROOF_BYTES, true, n -> FleetLimits.problem(join().toBuilder().setVrfProof(bytes(n)).build())),
                cap("join ak_public_area", FleetLimits.MAX_AK_PUBLIC_BYTES, false,
                        n -> FleetLimits.problem(join().toBuilder().setAkPublicArea(bytes(n)).build())),
                cap("join quote.attest", FleetLimits.MAX_ATTEST_BYTES, false,
                        n -> FleetLimits.problem(join().toBuilder().setQuote(quote().toBuilder().setAttest(bytes(n))).build())),
                cap("join quote.signature", FleetLimits.MAX_QUOTE_SIGNATURE_BYTES, false,
                        n -> FleetLimits.problem(join().toBuilder().setQuote(quote().toBuilder().setSignature(bytes(n))).build())),
                cap("join quote.pcrs", FleetLimits.MAX_PCRS, false, n -> FleetLimits.problem(join().toBuilder()
                        .setQuote(pcrs(quote().toBuilder(), n, 32).clearPcrValues()).build())),
                cap("join quote.pcr_values", FleetLimits.MAX_PCRS, false, n -> FleetLimits.problem(join().toBuilder()
                        .setQuote(pcrs(quote().toBuilder(), n, 32).clearPcrs()).build())),
                cap("join quote.pcr_values entry", FleetLimits.PCR_VALUE_BYTES, true,
                        n -> FleetLimits.problem(join().toBuilder().setQuote(pcrs(quote().toBuilder(), 1, n)).build())),
                cap("challenge round_id", RoundId.ENCODED_BYTES, true,
                        n -> FleetLimits.problem(challenge().toBuilder().setRoundId(bytes(n)).build())),
                cap("challenge member_key", FleetLimits.KEY_BYTES, true,
                        n -> FleetLimits.problem(challenge().toBuilder().setMemberKey(bytes(n)).build())),
                cap("challenge vrf_proof", FleetLimits.PROOF_BYTES, true,
                        n -> FleetLimits.problem(challenge().toBuilder().setVrfProof(bytes(n)).build())),
                cap("challenge nonce", FleetLimits.NONCE_BYTES, true, n -> FleetLimits.problem(challenge().toBuilder().setNonce(bytes(n)).build())),
                cap("verdict", Verdict.ENCODED_BYTES, true, n -> FleetLimits.problem(VerdictRequest.newBuilder().setVerdict(bytes(n)).build())),
                cap("task round notice round_id", RoundId.ENCODED_BYTES, true,
                        n -> FleetLimits.problem(TaskRoundNotice.newBuilder().setRoundId(bytes(n)).setGroupSeq(1).build())),
                cap("task round notice answer reason", FleetLimits.MAX_REASON_CHARS, false, n -> FleetLimits.problem(TaskRoundNoticeResponse
                        .newBuilder().setRefused(Refusal.newBuilder().setReason(chars(n))).build())),
                cap("task round notice answer message", FleetLimits.MAX_MESSAGE_CHARS, false, n -> FleetLimits.problem(TaskRoundNoticeResponse
                        .newBuilder().setRefused(Refusal.newBuilder().setMessage(chars(n))).build())),
                cap("join answer ledger_hash", FleetLimits.HASH_BYTES, true, n -> FleetLimits.problem(JoinResponse.newBuilder()
                        .setAdmitted(Admitted.newBuilder().setLedgerSeq(1).setLedgerHash(bytes(n))).build())),
                cap("join answer reason", FleetLimits.MAX_REASON_CHARS, false, n -> FleetLimits.problem(JoinResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setReason(chars(n))).build())),
                cap("join answer message", FleetLimits.MAX_MESSAGE_CHARS, false, n -> FleetLimits.problem(JoinResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setMessage(chars(n))).build())),
                cap("challenge answer reason", FleetLimits.MAX_REASON_CHARS, false, n -> FleetLimits.problem(ChallengeResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setReason(chars(n))).build())),
                cap("challenge answer message", FleetLimits.MAX_MESSAGE_CHARS, false, n -> FleetLimits.problem(ChallengeResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setMessage(chars(n))).build())),
                cap("challenge answer failed", FleetLimits.MAX_MESSAGE_CHARS, false,
                        n -> FleetLimits.problem(ChallengeResponse.newBuilder().setFailed(chars(n)).build())),
                cap("relay evidence.body", FleetLimits.MAX_EVIDENCE_BODY_BYTES, false, n -> relay(answer().toBuilder()
                        .setEvidence(answer().getEvidence().toBuilder().setBody(bytes(n))))),
                cap("relay evidence.signature", FleetLimits.MAX_EVIDENCE_SIGNATURE_BYTES, false, n -> relay(answer().toBuilder()
                        .setEvidence(answer().getEvidence().toBuilder().setSignature(bytes(n))))),
                cap("relay agent_certificate_chain_der", FleetLimits.MAX_CHAIN_CERTIFICATES, false, n -> relay(answer().toBuilder()
                        .clearAgentCertificateChainDer().addAllAgentCertificateChainDer(Collections.nCopies(n, bytes(10))))),
                cap("relay agent_certificate_chain_der entry", FleetLimits.MAX_CERTIFICATE_BYTES, false, n -> relay(answer().toBuilder()
                        .setAgentCertificateChainDer(0, bytes(n)))),
                cap("relay ca_certificate_der", FleetLimits.MAX_CERTIFICATE_BYTES, false,
                        n -> relay(answer().toBuilder().setCaCertificateDer(bytes(n)))),
                cap("relay pi_quote.head_hash", FleetLimits.HASH_BYTES, true, n -> relay(answer().toBuilder()
                        .setPiQuote(answer().getPiQuote().toBuilder().setHeadHash(bytes(n))))),
                cap("relay pi_quote.quote.attest", FleetLimits.MAX_ATTEST_BYTES, false, n -> relay(answer().toBuilder()
                        .setPiQuote(answer().getPiQuote().toBuilder().setQuote(quote().toBuilder().setAttest(bytes(n)))))),
                cap("relay pi_quote.ak_spki_der", FleetLimits.MAX_SPKI_BYTES, false, n -> relay(answer().toBuilder()
                        .setPiQuote(answer().getPiQuote().toBuilder().setAkSpkiDer(bytes(n))))),
                cap("relay log_segment", FleetLimits.MAX_LOG_SEGMENT, false, n -> relay(answer().toBuilder()
                        .clearLogSegment().addAllLogSegment(Collections.nCopies(n, entry())))),
                cap("relay log_segment.prev_hash", FleetLimits.HASH_BYTES, true, n -> relay(answer().toBuilder()
                        .setLogSegment(0, entry().toBuilder().setPrevHash(bytes(n))))),
                cap("relay log_segment text field", FleetLimits.MAX_LOG_FIELD_CHARS, false, n -> relay(answer().toBuilder()
                        .setLogSegment(0, entry().toBuilder().setDetail(chars(n))))),
                cap("relay challenge", FleetLimits.MAX_CHALLENGE_BYTES, false, n -> relay(answer().toBuilder().setChallenge(challengeOf(n)))),
                cap("relay challenge.checks", FleetLimits.MAX_CHALLENGE_CHECKS, false, n -> relay(answer().toBuilder()
                        .setChallenge(Challenge.newBuilder().addAllChecks(Collections.nCopies(n, Check.newBuilder()
                                .setHardware(HardwareCheck.getDefaultInstance()).build()))))),
                cap("relay golden.body", FleetLimits.MAX_EVIDENCE_BODY_BYTES, false, n -> relay(answer().toBuilder()
                        .setGolden(answer().getGolden().toBuilder().setBody(bytes(n))))),
                cap("relay golden.signature", FleetLimits.MAX_EVIDENCE_SIGNATURE_BYTES, false, n -> relay(answer().toBuilder()
                        .setGolden(answer().getGolden().toBuilder().setSignature(bytes(n))))),
                cap("verdict answer reason", FleetLimits.MAX_REASON_CHARS, false, n -> FleetLimits.problem(VerdictResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setReason(chars(n))).build())),
                cap("verdict answer message", FleetLimits.MAX_MESSAGE_CHARS, false, n -> FleetLimits.problem(VerdictResponse.newBuilder()
                        .setRefused(Refusal.newBuilder().setMessage(chars(n))).build())),
                cap("verdict answer certificate.outcome", FleetLimits.MAX_REASON_CHARS, false, n -> FleetLimits.problem(VerdictResponse
                        .newBuilder().setCertificate(RoundCertificate.newBuilder().setOutcome(chars(n))).build())),
                cap("verdict answer certificate.verdicts", FleetLimits.MAX_CERTIFICATE_VERDICTS, false, n -> FleetLimits.problem(VerdictResponse
                        .newBuilder().setCertificate(RoundCertificate.newBuilder().addAllVerdicts(Collections.nCopies(n,
                                bytes(Verdict.ENCODED_BYTES)))).build())),
                cap("verdict answer certificate.verdicts entry", Verdict.ENCODED_BYTES, true, n -> FleetLimits.problem(VerdictResponse
                        .newBuilder().setCertificate(RoundCertificate.newBuilder().addVerdicts(bytes(n))).build())));
    }

    static Optional<String> relay(RelayAnswer.Builder b) {
        // an answer is checked where it arrives: inside a ChallengeResponse
        return FleetLimits.problem(ChallengeResponse.newBuilder().setAnswer(b).build());
    }

    static Arguments cap(String name, int cap, boolean fixed, IntFunction<Optional<String>> problem) {
        return Arguments.of(name, cap, fixed, problem);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("caps")
    void aFieldAtItsCapPassesAndOneOverIsRefusedByName(String name, int cap, boolean fixed, IntFunction<Optional<String>> problem) {
        assertThat(problem.apply(cap)).as(name + " at its cap").isEmpty();
        Optional<String> over = problem.apply(cap + 1);
        assertThat(over).as(name + " one over").isPresent();
        assertThat(over.get()).matches(".*: " + (cap + 1) + " (bytes|entries|characters), (at most|expected) " + cap);
        if (fixed) {
            assertThat(problem.apply(cap - 1)).as(name + " one under").get().asString().endsWith((cap - 1) + " bytes, expected " + cap);
        }
    }
}
