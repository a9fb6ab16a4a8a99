package org.leo.consensus.quorum;

/**
 * Recomputes, from public data only, how many votes a member has in a round: its VRF public key and
 * credit (from the ledger), the round's alpha, its proof, and the sortition rule. A member's claimed
 * vote count counts only if it equals this.
 */
@FunctionalInterface
public interface VoteVerifier {
    /** The member's votes in {@code round} as proven by {@code vrfProof}: 0 if not selected. */
    int votes(byte[] member, byte[] vrfProof, RoundId round) throws Refused;

    /** The proof or the member cannot be checked: the verdict is refused with this sentence. */
    final class Refused extends Exception {
        private final QuorumCollector.Reason reason;

        public Refused(QuorumCollector.Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        public QuorumCollector.Reason reason() {
            return reason;
        }
    }
}
