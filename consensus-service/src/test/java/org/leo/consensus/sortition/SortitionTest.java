package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SortitionTest {
    private static final BigInteger TWO_POW_512 = BigInteger.ONE.shiftLeft(512);

    /** beta as the 64-byte big-endian encoding of n, 0 &lt;= n &lt; 2^512. */
    static byte[] beta(BigInteger n) {
        byte[] raw = n.toByteArray();
        byte[] out = new byte[Sortition.BETA_BYTES];
        int len = Math.min(raw.length, out.length);
        System.arraycopy(raw, raw.length - len, out, out.length - len, len);
        return out;
    }

    /** The smallest beta with beta / 2^512 &gt;= num / den. */
    private static BigInteger edge(long num, long den) {
        BigInteger[] qr = TWO_POW_512.multiply(BigInteger.valueOf(num)).divideAndRemainder(BigInteger.valueOf(den));
        return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    }

    @Test
    void oneTicketGetsItsVoteWithProbabilityP() {
        // w = 1, p = 3/10: 0 votes on [0, 0.7), 1 vote on [0.7, 1).
        BigInteger edge = edge(7, 10);
        assertThat(Sortition.votes(beta(BigInteger.ZERO), 1, 10, 3)).isZero();
        assertThat(Sortition.votes(beta(edge.subtract(BigInteger.ONE)), 1, 10, 3)).isZero();
        assertThat(Sortition.votes(beta(edge), 1, 10, 3)).isEqualTo(1);
        assertThat(Sortition.votes(beta(TWO_POW_512.subtract(BigInteger.ONE)), 1, 10, 3)).isEqualTo(1);
    }

    @Test
    void twoTicketsAtAQuarterSplitAtNineAndFifteenSixteenths() {
        // B(0; 2, 1/4) = 9/16, B(1; 2, 1/4) = 6/16, B(2; 2, 1/4) = 1/16.
        assertThat(Sortition.votes(beta(edge(9, 16).subtract(BigInteger.ONE)), 2, 4, 1)).isZero();
        assertThat(Sortition.votes(beta(edge(9, 16)), 2, 4, 1)).isEqualTo(1);
        assertThat(Sortition.votes(beta(edge(15, 16).subtract(BigInteger.ONE)), 2, 4, 1)).isEqualTo(1);
        assertThat(Sortition.votes(beta(edge(15, 16)), 2, 4, 1)).isEqualTo(2);
    }

    @Test
    void noCreditNoVotes() {
        assertThat(Sortition.votes(beta(TWO_POW_512.subtract(BigInteger.ONE)), 0, 100, 63)).isZero();
    }

    @Test
    void aFleetWithLessCreditThanTheCommitteeSeatsEveryTicket() {
        assertThat(Sortition.votes(beta(BigInteger.ZERO), 3, 5, 7)).isEqualTo(3);
        assertThat(Sortition.votes(beta(BigInteger.ZERO), 5, 5, 5)).isEqualTo(5);
    }

    @Test
    void theLargestBetaStopsInTheTailNotAtTheMembersCredit() {
        byte[] top = beta(TWO_POW_512.subtract(BigInteger.ONE));
        long j = Sortition.votes(top, 1_000_000, 1_000_000, Sortition.MAX_EXPECTED_SIZE);
        assertThat(j).isBetween(10_000L, 13_000L);
    }

    @Test
    void votesFollowTheBinomial() {
        // w = 20, p = 1/10: chi-square over 0..5 and "6 or more" (6 degrees of freedom) for 20000
        // betas from a fixed seed; 22.46 is the 0.999 quantile.
        int samples = 20_000;
        int bins = 7;
        long[] seen = new long[bins];
        SplittableRandom random = new SplittableRandom(20_261_207L);
        byte[] b = new byte[Sortition.BETA_BYTES];
        for (int i = 0; i < samples; i++) {
            random.nextBytes(b);
            seen[(int) Math.min(bins - 1, Sortition.votes(b, 20, 200, 20))]++;
        }
        double chi = 0;
        double rest = 1;
        for (int k = 0; k < bins; k++) {
            double pk = k < bins - 1 ? binomial(20, k, 0.1) : rest;
            rest -= pk;
            double expected = samples * pk;
            chi += (seen[k] - expected) * (seen[k] - expected) / expected;
        }
        assertThat(chi).isLessThan(22.46);
    }

    private static double binomial(int n, int k, double p) {
        double c = 1;
        for (int i = 0; i < k; i++) {
            c = c * (n - i) / (i + 1);
        }
        return c * Math.pow(p, k) * Math.pow(1 - p, n - k);
    }

    @Test
    void verifyAcceptsTheVotesAndRejectsAnInflatedClaim() {
        byte[] b = beta(edge(15, 16).subtract(BigInteger.ONE));
        assertThat(Sortition.verify(1, b, 2, 4, 1).ok()).isTrue();
        assertThat(Sortition.verify(1, b, 2, 4, 1)).hasToString("holds 1 vote, as its VRF output gives");
        VoteCheck inflated = Sortition.verify(2, b, 2, 4, 1);
        assertThat(inflated.ok()).isFalse();
        assertThat(inflated).hasToString("claims 2 votes, its VRF output gives 1");
        assertThat(Sortition.verify(0, b, 2, 4, 1).ok()).isFalse();
        assertThat(Sortition.verify(-1, b, 2, 4, 1).ok()).isFalse();
        assertThat(Sortition.verify(Long.MAX_VALUE, b, 2, 4, 1).ok()).isFalse();
    }

    @Test
    void invalidInputsAreRefusedWithASentence() {
        byte[] b = new byte[Sortition.BETA_BYTES];
        assertThatThrownBy(() -> Sortition.votes(new byte[32], 1, 10, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a VRF output (beta) is 64 bytes, got 32");
        assertThatThrownBy(() -> Sortition.votes(null, 1, 10, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("a VRF output (beta) is 64 bytes, got none");
        assertThatThrownBy(() -> Sortition.votes(b, 1, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the fleet's total credit must be at least 1, got 0");
        assertThatThrownBy(() -> Sortition.votes(b, -1, 10, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a member's credit must be between 0 and the fleet's total credit 10, got -1");
        assertThatThrownBy(() -> Sortition.votes(b, 11, 10, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a member's credit must be between 0 and the fleet's total credit 10, got 11");
        assertThatThrownBy(() -> Sortition.votes(b, 1, 10, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the expected committee size must be between 1 and 10000, got 0");
        assertThatThrownBy(() -> Sortition.verify(1, b, 1, 10, 10_001))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the expected committee size must be between 1 and 10000, got 10001");
    }
}
