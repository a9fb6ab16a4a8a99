package org.leo.consensus.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.leo.consensus.quorum.QuorumCollector.Admission;
import org.leo.consensus.quorum.QuorumCollector.Reason;
import org.leo.consensus.quorum.Verdict.Outcome;

/**
 * A round of seven members (one vote each, expected committee 7: a certificate needs 5). The votes
 * come from a table standing in for the VRF sortition (the VRF itself is tested on its own), so each
 * test can say exactly who has how many votes.
 */
class QuorumCollectorTest {
    private static final int TAU = 7;
    private static final RoundId ROUND = new RoundId(new byte[32], org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), 42);
    private static final byte[] CLEAN = digest(1);
    private static final byte[] TAMPERED = digest(2);

    private final List<byte[]> keys = new ArrayList<>();
    private final Map<String, Integer> votes = new java.util.HashMap<>();
    private QuorumCollector collector;

    @BeforeEach
    void fleet() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 7; i++) {
            byte[] sk = new byte[32];
            random.nextBytes(sk);
            keys.add(sk);
            votes.put(memberHex(i), 1);
        }
        collector = new QuorumCollector(ROUND, TAU, (member, proof, round) -> {
            Integer v = votes.get(HexFormat.of().formatHex(member));
            if (v == null) {
                throw new VoteVerifier.Refused(Reason.UNKNOWN_MEMBER, "not in the fleet");
            }
            if (proof[0] == (byte) 0xff) {
                throw new VoteVerifier.Refused(Reason.BAD_PROOF, "the VRF proof does not verify: challenge mismatch");
            }
            return v;
        });
    }

    private String memberHex(int i) {
        byte[] pk = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(keys.get(i), 0, pk, 0);
        return HexFormat.of().formatHex(pk);
    }

    private Verdict verdict(int member, Outcome outcome, byte[] evidence) {
        return Verdict.sign(keys.get(member), ROUND, votes.get(memberHex(member)), new byte[80], outcome, evidence);
    }

    private static byte[] digest(int b) {
        byte[] d = new byte[32];
        d[31] = (byte) b;
        return d;
    }

    @Test
    void aCertificateFormsWhenMatchingVotesExceedTwoThirdsOfTheExpectedCommittee() {
        for (int i = 0; i < 4; i++) {
            assertThat(collector.offer(verdict(i, Outcome.TRUSTED, CLEAN)).counted()).isTrue();
        }
        assertThat(collector.certificate()).as("4 of 7 is not more than two thirds").isEmpty();
        collector.offer(verdict(4, Outcome.TRUSTED, CLEAN));
        QuorumCertificate qc = collector.certificate().orElseThrow();
        assertThat(qc.outcome()).isEqualTo(Outcome.TRUSTED);
        assertThat(qc.votes()).isEqualTo(5);
        assertThat(qc.problem(TAU, (m, p, r) -> 1)).isEmpty();
        assertThat(qc.problem(8, (m, p, r) -> 1)).hasValueSatisfying(s -> assertThat(s)
                .isEqualTo("5 vote(s) TRUSTED are fewer than the 6 an expected committee of 8 needs"));
    }

    @Test
    void twoByzantineMembersSigningTheOppositeVerdictDoNotChangeTheCertificate() {
        collector.offer(verdict(0, Outcome.UNTRUSTED, TAMPERED));
        collector.offer(verdict(1, Outcome.UNTRUSTED, TAMPERED));
        for (int i = 2; i < 7; i++) {
            collector.offer(verdict(i, Outcome.TRUSTED, CLEAN));
        }
        assertThat(collector.certificate()).hasValueSatisfying(qc -> {
            assertThat(qc.outcome()).isEqualTo(Outcome.TRUSTED);
            assertThat(qc.verdicts()).hasSize(5);
        });
    }

    @Test
    void verdictsAgreeOnTheOutcomeEachOnTheEvidenceOfItsOwnChallenge() {
        for (int i = 0; i < 5; i++) {
            collector.offer(verdict(i, Outcome.TRUSTED, digest(10 + i)));
        }
        assertThat(collector.certificate()).hasValueSatisfying(qc -> {
            assertThat(qc.outcome()).isEqualTo(Outcome.TRUSTED);
            assertThat(qc.verdicts()).extracting(v -> v.evidenceSha256()[31]).containsExactly((byte) 10, (byte) 11, (byte) 12, (byte) 13, (byte) 14);
        });
    }

    @Test
    void aReplayedVerdictCountsOnce() {
        Verdict v = verdict(0, Outcome.TRUSTED, CLEAN);
        assertThat(collector.offer(v).counted()).isTrue();
        Admission again = collector.offer(v.encode());
        assertThat(again.refused()).contains(Reason.REPLAYED);
        assertThat(collector.votes()).isEqualTo(1);
        assertThat(collector.refusals()).containsEntry(Reason.REPLAYED, 1L);
    }

    @Test
    void equivocationIsKeptAsEvidenceAndTheMemberNoLongerCounts() {
        Verdict yes = verdict(0, Outcome.TRUSTED, CLEAN);
        Verdict no = verdict(0, Outcome.UNTRUSTED, TAMPERED);
        collector.offer(yes);
        for (int i = 1; i < 5; i++) {
            collector.offer(verdict(i, Outcome.TRUSTED, CLEAN));
        }
        assertThat(collector.certificate()).isPresent();
        Admission a = collector.offer(no);
        assertThat(a.refused()).contains(Reason.EQUIVOCATION);
        assertThat(a.message()).contains("signed TRUSTED and UNTRUSTED");
        assertThat(collector.equivocations()).singleElement().satisfies(e -> {
            assertThat(e.verify()).isTrue();
            assertThat(e.first()).isEqualTo(yes);
            assertThat(e.second()).isEqualTo(no);
        });
        assertThat(collector.certificate()).as("four honest votes remain: no quorum").isEmpty();
        assertThat(collector.offer(verdict(0, Outcome.TRUSTED, CLEAN)).refused()).as("its first verdict, replayed").contains(Reason.EQUIVOCATION);
        collector.offer(verdict(5, Outcome.TRUSTED, CLEAN));
        assertThat(collector.certificate()).hasValueSatisfying(qc -> assertThat(qc.verdicts()).noneMatch(v -> v.equals(yes)));
    }

    @Test
    void inflatedVotesUnselectedMembersForgedProofsAndUnknownMembersAreRefusedWithTheirReason() {
        votes.put(memberHex(1), 0);
        Verdict inflated = Verdict.sign(keys.get(0), ROUND, 3, new byte[80], Outcome.TRUSTED, CLEAN);
        assertThat(collector.offer(inflated).refused()).contains(Reason.INFLATED_VOTES);
        assertThat(collector.offer(inflated).message()).isNotEmpty();
        assertThat(collector.offer(Verdict.sign(keys.get(1), ROUND, 1, new byte[80], Outcome.TRUSTED, CLEAN)).refused())
                .contains(Reason.NOT_SELECTED);
        byte[] forged = new byte[80];
        forged[0] = (byte) 0xff;
        assertThat(collector.offer(Verdict.sign(keys.get(2), ROUND, 1, forged, Outcome.TRUSTED, CLEAN)).refused())
                .contains(Reason.BAD_PROOF);
        byte[] stranger = new byte[32];
        stranger[0] = 9;
        assertThat(collector.offer(Verdict.sign(stranger, ROUND, 1, new byte[80], Outcome.TRUSTED, CLEAN)).refused())
                .contains(Reason.UNKNOWN_MEMBER);
        assertThat(collector.votes()).isZero();
        assertThat(collector.refusals()).containsKeys(Reason.INFLATED_VOTES, Reason.NOT_SELECTED, Reason.BAD_PROOF, Reason.UNKNOWN_MEMBER);
    }

    @Test
    void aBadSignatureAWrongRoundAndMalformedBytesAreRefused() {
        byte[] wire = verdict(0, Outcome.TRUSTED, CLEAN).encode();
        wire[wire.length - 1] ^= 1;
        assertThat(collector.offer(wire).refused()).contains(Reason.BAD_SIGNATURE);
        byte[] otherVotes = verdict(1, Outcome.TRUSTED, CLEAN).encode();
        otherVotes[otherVotes.length - 64 - 33 - 80 - 1] = 2; // the votes field after signing: re-signed by nobody
        assertThat(collector.offer(otherVotes).refused()).contains(Reason.BAD_SIGNATURE);
        RoundId next = new RoundId(new byte[32], org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), 43);
        assertThat(collector.offer(Verdict.sign(keys.get(2), next, 1, new byte[80], Outcome.TRUSTED, CLEAN)).refused())
                .contains(Reason.WRONG_ROUND);
        assertThat(collector.offer(new byte[] {1, 2, 3}).refused()).contains(Reason.MALFORMED);
        assertThat(collector.offer(new byte[Verdict.ENCODED_BYTES + 1]).message()).contains("expected " + Verdict.ENCODED_BYTES);
        assertThat(collector.votes()).isZero();
    }

    @Test
    void untrustedTakesPrecedenceSoOneRoundNeverHasTwoCertificates() {
        votes.put(memberHex(6), 2);
        for (int i = 0; i < 5; i++) {
            collector.offer(verdict(i, Outcome.TRUSTED, CLEAN));
        }
        assertThat(collector.certificate()).hasValueSatisfying(qc -> assertThat(qc.outcome()).isEqualTo(Outcome.TRUSTED));
        assertThat(collector.decidedUntrusted()).isFalse();
        collector.offer(verdict(5, Outcome.UNTRUSTED, TAMPERED));
        assertThat(collector.certificate()).as("2 untrusted votes are not more than a third of 7").hasValueSatisfying(
                qc -> assertThat(qc.outcome()).isEqualTo(Outcome.TRUSTED));
        collector.offer(verdict(6, Outcome.UNTRUSTED, TAMPERED));
        assertThat(collector.votes(Outcome.UNTRUSTED)).isEqualTo(3);
        assertThat(collector.certificate()).as("a late UNTRUSTED quorum overturns a TRUSTED one before the round closes")
                .hasValueSatisfying(qc -> {
                    assertThat(qc.outcome()).isEqualTo(Outcome.UNTRUSTED);
                    assertThat(qc.verdicts()).hasSize(2);
                    assertThat(qc.problem(TAU, (m, p, r) -> votes.get(java.util.HexFormat.of().formatHex(m)))).isEmpty();
                });
        assertThat(collector.decidedUntrusted()).isTrue();
    }

    @Test
    void aCertificateIsReverifiedFromPublicData() {
        List<Verdict> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(verdict(i, Outcome.TRUSTED, CLEAN));
        }
        QuorumCertificate good = new QuorumCertificate(ROUND, Outcome.TRUSTED, five);
        assertThat(good.problem(TAU, (m, p, r) -> 1)).isEmpty();
        List<Verdict> doubled = new ArrayList<>(five.subList(0, 4));
        doubled.add(five.get(0));
        assertThat(new QuorumCertificate(ROUND, Outcome.TRUSTED, doubled).problem(TAU, (m, p, r) -> 1))
                .hasValueSatisfying(s -> assertThat(s).contains("signed twice"));
        assertThat(good.problem(TAU, (m, p, r) -> 2)).hasValueSatisfying(s -> assertThat(s).contains("its VRF proof gives 2 vote(s)"));
        assertThat(new QuorumCertificate(ROUND, Outcome.UNTRUSTED, five).problem(TAU, (m, p, r) -> 1))
                .hasValueSatisfying(s -> assertThat(s).contains("does not match the certificate"));
    }

    @Test
    void theWireFormRoundTrips() {
        Verdict v = verdict(3, Outcome.UNTRUSTED, TAMPERED);
        Verdict back = Verdict.decode(v.encode());
        assertThat(back).isEqualTo(v);
        assertThat(back.signatureValid()).isTrue();
        assertThat(Optional.of(back.toString())).hasValueSatisfying(s -> assertThat(s).contains("UNTRUSTED").contains("round 42"));
    }
}
