package org.leo.consensus.quorum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Matching signed verdicts of one round (same outcome, same evidence digest) from distinct members
 * whose checked votes together exceed two thirds of the round's expected committee size. Anyone can
 * re-verify it from public data: {@link #problem(int, VoteCheck)}.
 */
public record QuorumCertificate(RoundId round, Verdict.Outcome outcome, byte[] evidenceSha256, List<Verdict> verdicts) {
    public QuorumCertificate {
        verdicts = List.copyOf(verdicts);
        evidenceSha256 = evidenceSha256.clone();
    }

    /** True if {@code votes} is more than two thirds of {@code expectedCommitteeSize} (3v > 2&tau;, exact in integers). */
    public static boolean quorum(long votes, int expectedCommitteeSize) {
        return 3 * votes > 2L * expectedCommitteeSize;
    }

    public long votes() {
        return verdicts.stream().mapToLong(Verdict::votes).sum();
    }

    /**
     * Why this is not a valid certificate for a round with this expected committee size, or empty if
     * it is: every verdict matches, is signed by a distinct member, claims exactly the votes its VRF
     * proof gives, and together they pass {@link #quorum}.
     */
    public Optional<String> problem(int expectedCommitteeSize, VoteCheck check) {
        Set<String> members = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Verdict v : verdicts) {
            if (!v.round().equals(round) || v.outcome() != outcome || !Arrays.equals(v.evidenceSha256(), evidenceSha256)) {
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
                } catch (VoteCheck.Refused e) {
                    problems.add(v + ": " + e.getMessage());
                }
            }
        }
        if (problems.isEmpty() && !quorum(votes(), expectedCommitteeSize)) {
            problems.add(votes() + " vote(s) are not more than two thirds of the expected committee of " + expectedCommitteeSize);
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    @Override
    public byte[] evidenceSha256() {
        return evidenceSha256.clone();
    }
}
