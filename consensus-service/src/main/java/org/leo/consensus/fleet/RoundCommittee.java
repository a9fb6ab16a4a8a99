package org.leo.consensus.fleet;

import java.util.Optional;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.VoteVerifier;

/**
 * Who may judge one round on the HPC's Pi, and with how many votes: the fleet's sortition for a
 * scheduled round ({@link LedgerVotes}), a task's monitors with the votes of their claims for a task
 * round ({@link TaskCommittee}). {@link Rounds} checks a challenge with {@link #check} and gives the
 * round's {@code QuorumCollector} this verifier and {@link #expectedCommitteeSize}.
 */
public interface RoundCommittee extends VoteVerifier {
    /** &tau;, the committee size the round's thresholds are taken of. */
    int expectedCommitteeSize();

    /**
     * Checks a claim of {@code claimedVotes}: empty if it is exactly what the proof gives, else the
     * refusal (UNKNOWN_MEMBER, BAD_PROOF, NOT_SELECTED or INFLATED_VOTES) and a sentence.
     */
    default Optional<Refused> check(byte[] member, byte[] vrfProof, RoundId round, long claimedVotes) {
        int proven;
        try {
            proven = votes(member, vrfProof, round);
        } catch (Refused r) {
            return Optional.of(r);
        }
        if (proven == 0) {
            return Optional.of(new Refused(QuorumCollector.Reason.NOT_SELECTED, QuorumCollector.Reason.NOT_SELECTED.sentence()));
        }
        if (proven != claimedVotes) {
            return Optional.of(new Refused(QuorumCollector.Reason.INFLATED_VOTES,
                    "the member claims " + claimedVotes + " vote(s), its VRF proof gives " + proven));
        }
        return Optional.empty();
    }
}
