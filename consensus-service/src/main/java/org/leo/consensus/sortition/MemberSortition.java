package org.leo.consensus.sortition;

import java.util.HexFormat;
import org.leo.consensus.vrf.Ecvrf;
import org.leo.consensus.vrf.VrfVerdict;

/**
 * One member's draw in one sortition, end to end: the VRF proof over the round's {@link Alpha} and
 * the votes {@link Sortition} gives its output for the member's credit. {@link #draw} is what the
 * member computes with its secret key; {@link #check} is what anyone computes from public data (the
 * member's VRF public key and credit, the fleet's total credit, the expected committee size, all
 * read from the ledger at the alpha's head) to accept or refuse a claimed vote count.
 */
public final class MemberSortition {
    private MemberSortition() {
    }

    /** A member's own draw: its proof, the VRF output and the votes it gives. */
    public record Draw(byte[] proof, byte[] beta, long votes) {
        public Draw {
            proof = proof.clone();
            beta = beta.clone();
        }

        @Override
        public byte[] proof() {
            return proof.clone();
        }

        @Override
        public byte[] beta() {
            return beta.clone();
        }
    }

    /** What a check concluded: the verified votes and output, or why the claim is refused. */
    public sealed interface Checked {
        /** The line {@code leo vrf sortition --check} prints. */
        String toLine();

        /** The proof verifies and the claimed votes are what it gives. */
        record Valid(long votes, byte[] beta) implements Checked {
            public Valid {
                beta = beta.clone();
            }

            @Override
            public String toLine() {
                return "valid votes " + votes + " beta " + HexFormat.of().formatHex(beta);
            }
        }

        /** The proof does not verify, or it gives another vote count than claimed. */
        record Invalid(String reason) implements Checked {
            @Override
            public String toLine() {
                return "invalid " + reason;
            }
        }
    }

    /** Proves over {@code alpha} and counts the votes. Constant time in the secret key (the VRF's prove). */
    public static Draw draw(byte[] secretKey, Alpha alpha, long credit, long totalCredit, int expectedSize) {
        byte[] proof = Ecvrf.prove(secretKey, alpha.encode());
        byte[] beta = Ecvrf.proofToHash(proof);
        return new Draw(proof, beta, Sortition.votes(beta, credit, totalCredit, expectedSize));
    }

    /**
     * Verifies the proof under the member's VRF public key over {@code alpha}, then recomputes its
     * votes and compares them with {@code claimedVotes}. Bad sortition parameters throw
     * IllegalArgumentException (they are the checker's, not the member's).
     */
    public static Checked check(byte[] vrfPublicKey, byte[] proof, Alpha alpha, long credit, long totalCredit, int expectedSize,
                                long claimedVotes) {
        Checked proven = votes(vrfPublicKey, proof, alpha, credit, totalCredit, expectedSize);
        if (!(proven instanceof Checked.Valid valid)) {
            return proven;
        }
        VoteCheck votes = new VoteCheck(claimedVotes, valid.votes());
        if (!votes.ok()) {
            return new Checked.Invalid("votes-mismatch: the member " + votes);
        }
        return valid;
    }

    /**
     * Verifies the proof under the member's VRF public key over {@code alpha} and counts the votes
     * its output gives (0: not selected), with no claim to compare: what a collector needs to tell
     * an inflated claim from an unselected member. Bad sortition parameters throw
     * IllegalArgumentException, as in {@link #check}.
     */
    public static Checked votes(byte[] vrfPublicKey, byte[] proof, Alpha alpha, long credit, long totalCredit, int expectedSize) {
        VrfVerdict v = Ecvrf.verify(vrfPublicKey, proof, alpha.encode());
        if (!(v instanceof VrfVerdict.Valid valid)) {
            return new Checked.Invalid(v.toLine().substring("invalid ".length()));
        }
        return new Checked.Valid(Sortition.votes(valid.beta(), credit, totalCredit, expectedSize), valid.beta());
    }
}
