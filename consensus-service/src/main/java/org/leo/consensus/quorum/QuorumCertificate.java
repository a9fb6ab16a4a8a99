package org.leo.consensus.quorum;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Signed verdicts of one round with the same outcome, from distinct members, whose checked votes
 * reach that outcome's threshold ({@link #threshold}). Each verdict names the digest of the evidence
 * its member appraised (every verifier sends its own challenge, so the digests differ). Anyone can
 * re-verify it from public data: {@link #problem(int, VoteVerifier)}.
 *
 * <p>The thresholds are asymmetric, because the two mistakes are not alike: trusting a tampered HPC
 * is the failure the fleet exists to prevent, a false alarm costs a re-attestation. UNTRUSTED needs
 * more than a third of the expected committee &tau; (so at least one honest member saw a failure,
 * unless the malicious hold over a third of the seated votes); TRUSTED needs more than two thirds
 * and no UNTRUSTED certificate in the same round, which takes precedence ({@link QuorumCollector}).
 */
public record QuorumCertificate(RoundId round, Verdict.Outcome outcome, List<Verdict> verdicts) {
    public QuorumCertificate {
        verdicts = List.copyOf(verdicts);
    }

    /**
     * The votes an outcome needs with expected committee size &tau;: UNTRUSTED floor(&tau;/3) + 1
     * (more than a third), TRUSTED floor(2&tau;/3) + 1 (more than two thirds).
     */
    public static long threshold(Verdict.Outcome outcome, int expectedCommitteeSize) {
        return outcome == Verdict.Outcome.UNTRUSTED ? expectedCommitteeSize / 3 + 1 : 2L * expectedCommitteeSize / 3 + 1;
    }

    public long votes() {
        return verdicts.stream().mapToLong(Verdict::votes).sum();
    }

    /**
     * Why this is not a valid certificate for a round with this expected committee size, or empty if
     * it is: every verdict matches, is signed by a distinct member, claims exactly the votes its VRF
     * proof gives, and together they pass {@link #quorum}.
     */
    public Optional<String> problem(int expectedCommitteeSize, VoteVerifier check) {
        Set<String> members = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Verdict v : verdicts) {
            if (!v.round().equals(round) || v.outcome() != outcome) {
                problems.add(v + " does not match the certificate");
            } else if (!members.add(v.memberHex())) {
                problems.add("member " + v.memberHex() + " signed twice");
            } else if (!v.signatureValid()) {
                problems.add(v + ": signature does not verify");
            } else {
                try {
                    int proven = check.votes(v.member(), v.vrfProof(), round);
                    if (proven != v.votes()) {
                        problems.add(v + ": its VRF proof gives " + proven + " vote(s)");
                    }
                } catch (VoteVerifier.Refused e) {
                    problems.add(v + ": " + e.getMessage());
                }
            }
        }
        long needed = threshold(outcome, expectedCommitteeSize);
        if (problems.isEmpty() && votes() < needed) {
            problems.add(votes() + " vote(s) " + outcome + " are fewer than the " + needed + " an expected committee of "
                    + expectedCommitteeSize + " needs");
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }
}
