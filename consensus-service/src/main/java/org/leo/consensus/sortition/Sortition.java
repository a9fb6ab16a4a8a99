package org.leo.consensus.sortition;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Credit-weighted binomial sortition (Gilad et al., "Algorand: Scaling Byzantine Agreements for
 * Cryptocurrencies", SOSP 2017, Algorithm 1 Sortition and Algorithm 2 VerifySort). Every unit of
 * credit is a ticket; each ticket is drawn with probability p = tau / W, so a member holding w of
 * the fleet's W units gets j votes, j ~ Binomial(w, p), and the committee has tau votes on average.
 * The member's VRF output beta picks j: with x = beta / 2^512 (beta read as an unsigned big-endian
 * integer) and S_k the cumulative sums of the binomial terms,
 * <pre>
 *   j = 0; S = t_0
 *   while j &lt; w and x &gt;= S:  j = j + 1; S = round(S + t_j)
 * </pre>
 * so j is the index of the interval [S_{j-1}, S_j) that holds x, and the last interval ends at 1.
 * The terms t_k and every rounding are those of {@link BinomialTerms} with {@link #DIGITS}
 * significant decimal digits, round-half-even; the comparison x &gt;= S is exact. The result is
 * therefore a pure function of (beta, w, W, tau) that an auditor reproduces in any language with a
 * correctly rounded decimal type (docs/sortition.md has a Python version and the test vectors).
 *
 * <p>Why 170 digits: x has 512 bits (~154.1 decimal digits). Each of the at most ~2 * 10^4 steps a
 * call takes (tau is at most {@link #MAX_EXPECTED_SIZE}) rounds by 10^-169 relative, so S is within
 * 10^-163 of the true cumulative sum and climbs above 1 - 2^-512 once the true upper tail is
 * smaller than that: the loop stops a few standard deviations past the mean even for beta = 2^512
 * - 1, not at j = w. A rounded boundary differs from the exact one by less than 10^-163, so for a
 * uniform beta the rule differs from exact real arithmetic with probability below 10^-160 per draw.
 *
 * <p>Edge cases: w = 0 gives 0 votes. If tau &gt;= W (a fleet with less credit than the committee
 * it should seat) p is capped at 1: every ticket is drawn and the member gets all w votes, beta
 * notwithstanding. Invalid inputs throw {@link IllegalArgumentException} with a sentence.
 */
public final class Sortition {
    /** The length of an ECVRF-EDWARDS25519-SHA512-ELL2 output (RFC 9381 suite 0x03), in bytes. */
    public static final int BETA_BYTES = 64;
    /** Significant decimal digits of every rounded value (see the class comment). */
    public static final int DIGITS = 170;
    /**
     * The largest expected committee size accepted. The work per call grows with tau (the loop runs
     * about w * tau / W &lt;= tau steps plus the tail): about 0.1 ms at tau = 63, 2 ms at 1000, and
     * under 0.1 s for the worst beta at 10^4, five times Algorand's committees; larger would only
     * let a caller make a call slow.
     */
    public static final int MAX_EXPECTED_SIZE = 10_000;

    static final MathContext MC = new MathContext(DIGITS, RoundingMode.HALF_EVEN);
    private static final BigInteger FIVE_POW_512 = BigInteger.valueOf(5).pow(8 * BETA_BYTES);

    private Sortition() {
    }

    /**
     * The votes a member with {@code credit} out of {@code totalCredit} gets for VRF output
     * {@code beta} when the committee should have {@code expectedSize} votes on average.
     *
     * @throws IllegalArgumentException if beta is not {@value #BETA_BYTES} bytes, credit is negative
     *     or above totalCredit, totalCredit is below 1, or expectedSize is outside 1..{@value #MAX_EXPECTED_SIZE}
     */
    public static long votes(byte[] beta, long credit, long totalCredit, int expectedSize) {
        checkArguments(beta, credit, totalCredit, expectedSize);
        if (credit == 0) {
            return 0;
        }
        if (expectedSize >= totalCredit) {
            return credit;
        }
        BigDecimal x = fraction(beta);
        BinomialTerms terms = new BinomialTerms(credit, expectedSize, totalCredit, MC);
        BigDecimal sum = terms.term();
        while (terms.hasNext() && x.compareTo(sum) >= 0) {
            sum = sum.add(terms.next(), MC);
        }
        return terms.k();
    }

    /**
     * Algorand's VerifySort: recomputes the votes from a VRF output whose proof the caller has
     * already checked against the member's public key, and compares them with the votes the member
     * claims. A claim of any other number, negative or above the member's credit included, is not ok.
     *
     * @throws IllegalArgumentException on the same public inputs as {@link #votes}
     */
    public static VoteCheck verify(long claimedVotes, byte[] beta, long credit, long totalCredit, int expectedSize) {
        return new VoteCheck(claimedVotes, votes(beta, credit, totalCredit, expectedSize));
    }

    /** beta / 2^512 as an exact decimal: beta * 5^512 / 10^512. */
    static BigDecimal fraction(byte[] beta) {
        return new BigDecimal(new BigInteger(1, beta).multiply(FIVE_POW_512), 8 * BETA_BYTES);
    }

    private static void checkArguments(byte[] beta, long credit, long totalCredit, int expectedSize) {
        if (beta == null || beta.length != BETA_BYTES) {
            throw new IllegalArgumentException("a VRF output (beta) is " + BETA_BYTES + " bytes, got "
                    + (beta == null ? "none" : beta.length));
        }
        if (totalCredit < 1) {
            throw new IllegalArgumentException("the fleet's total credit must be at least 1, got " + totalCredit);
        }
        if (credit < 0 || credit > totalCredit) {
            throw new IllegalArgumentException("a member's credit must be between 0 and the fleet's total credit "
                    + totalCredit + ", got " + credit);
        }
        if (expectedSize < 1 || expectedSize > MAX_EXPECTED_SIZE) {
            throw new IllegalArgumentException("the expected committee size must be between 1 and "
                    + MAX_EXPECTED_SIZE + ", got " + expectedSize);
        }
    }
}
