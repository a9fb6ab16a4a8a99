package org.leo.consensus.sortition;

/**
 * The outcome of checking a member's claimed votes against its VRF output ({@link Sortition#verify}).
 * {@code claimed} is the member's untrusted claim; {@code actual} is what sortition gives for the
 * verified VRF output, the member's credit and the round's parameters.
 */
public record VoteCheck(long claimed, long actual) {
    public boolean ok() {
        return claimed == actual;
    }

    /** A sentence for the operator: "claims 5 votes, its VRF output gives 2". */
    @Override
    public String toString() {
        return (ok() ? "holds " : "claims ") + plural(claimed) + (ok() ? ", as its VRF output gives" : ", its VRF output gives " + actual);
    }

    private static String plural(long votes) {
        return votes + (votes == 1 ? " vote" : " votes");
    }
}
