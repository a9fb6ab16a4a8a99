package org.leo.consensus.sortition;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The exact risks of one committee drawn by sortition, for docs/committee-risk.md. Model: every
 * credit unit is a ticket drawn independently with p = tau / W; the adversary holds W_mal units
 * (static corruption, chosen before the VRF outputs are known), the honest members W_hon. The
 * malicious votes M ~ Binomial(W_mal, p) and honest votes H ~ Binomial(W_hon, p) are independent,
 * and only these totals matter: how the credit is split among members changes who sits on the
 * committee, not how many votes each side has. With n = M + H seated votes, f(n) = floor((n-1)/3)
 * and the quorum q(n) = n - f(n) = floor(2n/3) + 1:
 * <ul>
 *   <li>{@link #overThird()}: P(n &gt;= 1 and M &gt; f(n)) = P(n &gt;= 1 and 2M &gt;= H): the seated
 *       committee is no longer a 3f+1 BFT committee; honest votes alone then cannot reach q(n)
 *       either (H &lt; q(n) is the same event for n &gt;= 1).</li>
 *   <li>{@link #forge()}: P(M &gt;= q(n)) = P(M &gt; 2H): malicious votes alone are a quorum of the seated.</li>
 *   <li>{@link #empty()}: P(n = 0).</li>
 *   <li>Against a threshold Q fixed in advance, which a certificate can check without knowing n (a
 *       seated member that stays silent looks like one that was not drawn): {@link #forgeAt}
 *       P(M &gt;= Q), {@link #stallAt} P(H &lt; Q), and {@link #equivocateAt} P(2M + H &gt;= 2Q): two
 *       conflicting certificates of Q votes each can exist when the malicious vote for both and the
 *       honest votes are split between them (Algorand's safety constraint b + g/2 &lt; T tau, Gilad et
 *       al., SOSP 2017, section 7).</li>
 * </ul>
 * The binomial terms are those of {@link BinomialTerms} at {@link #DIGITS} digits; terms past the
 * mean below {@link #NEGLIGIBLE} are dropped (their sum is below 1e-55), so every probability
 * reported above 1e-50 is exact to the printed digits. No floating point, no sampling.
 */
final class CommitteeRisk {
    static final int DIGITS = 40;
    static final MathContext MC = new MathContext(DIGITS, RoundingMode.HALF_EVEN);
    static final BigDecimal NEGLIGIBLE = new BigDecimal("1e-60");

    private final List<BigDecimal> m;
    private final List<BigDecimal> h;
    private final List<BigDecimal> hAtMost;
    private final List<BigDecimal> mAtLeast;
    private final List<BigDecimal> hAtLeast;

    /** The committee of expected size tau drawn from W_mal malicious and W_hon honest credit units. */
    CommitteeRisk(long maliciousCredit, long honestCredit, int tau) {
        long total = maliciousCredit + honestCredit;
        if (tau >= total) {
            throw new IllegalArgumentException("tau " + tau + " is not below the total credit " + total + ": every ticket would be drawn");
        }
        m = pmf(maliciousCredit, tau, total);
        h = pmf(honestCredit, tau, total);
        hAtMost = cumulative(h);
        mAtLeast = upperTails(m);
        hAtLeast = upperTails(h);
    }

    /** Q: more than two thirds of tau. */
    static int fixedQuorum(int tau) {
        return 2 * tau / 3 + 1;
    }

    BigDecimal overThird() {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 1; i < m.size(); i++) {
            sum = sum.add(m.get(i).multiply(atMost(hAtMost, 2L * i), MC), MC);
        }
        return sum;
    }

    BigDecimal forge() {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < h.size(); i++) {
            sum = sum.add(h.get(i).multiply(atLeast(mAtLeast, 2L * i + 1), MC), MC);
        }
        return sum;
    }

    BigDecimal empty() {
        return m.get(0).multiply(h.get(0), MC);
    }

    BigDecimal forgeAt(int q) {
        return atLeast(mAtLeast, q);
    }

    BigDecimal stallAt(int q) {
        return q <= 0 ? BigDecimal.ZERO : atMost(hAtMost, q - 1L);
    }

    BigDecimal equivocateAt(int q) {
        BigDecimal sum = BigDecimal.ZERO;
        for (int i = 0; i < m.size(); i++) {
            sum = sum.add(m.get(i).multiply(atLeast(hAtLeast, Math.max(0, 2L * q - 2L * i)), MC), MC);
        }
        return sum;
    }

    /**
     * The expected number of distinct members seated: the sum over members of 1 - (1 - p)^w.
     *
     * @param membersByCredit how many members hold each amount of credit
     */
    static BigDecimal expectedSeated(Map<Long, Long> membersByCredit, int tau) {
        long total = membersByCredit.entrySet().stream().mapToLong(e -> e.getKey() * e.getValue()).sum();
        BigDecimal q = BigDecimal.valueOf(total - tau).divide(BigDecimal.valueOf(total), MC);
        BigDecimal seated = BigDecimal.ZERO;
        for (Map.Entry<Long, Long> e : membersByCredit.entrySet()) {
            BigDecimal one = BigDecimal.ONE.subtract(BinomialTerms.pow(q, e.getKey(), MC), MC);
            seated = seated.add(one.multiply(BigDecimal.valueOf(e.getValue()), MC), MC);
        }
        return seated;
    }

    /** B(k; n, tau/total) for k = 0, 1, ... until the terms past the mean are negligible. */
    static List<BigDecimal> pmf(long n, int tau, long total) {
        List<BigDecimal> terms = new ArrayList<>();
        BinomialTerms t = new BinomialTerms(n, tau, total, MC);
        terms.add(t.term());
        while (t.hasNext() && !(t.k() * total > n * tau && t.term().compareTo(NEGLIGIBLE) < 0)) {
            terms.add(t.next());
        }
        return terms;
    }

    private static List<BigDecimal> cumulative(List<BigDecimal> pmf) {
        List<BigDecimal> out = new ArrayList<>(pmf.size());
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal p : pmf) {
            sum = sum.add(p, MC);
            out.add(sum);
        }
        return out;
    }

    /** out[k] = P(X &gt;= k), summed from the top so that tiny tails keep their digits. */
    private static List<BigDecimal> upperTails(List<BigDecimal> pmf) {
        BigDecimal[] out = new BigDecimal[pmf.size()];
        BigDecimal sum = BigDecimal.ZERO;
        for (int k = pmf.size() - 1; k >= 0; k--) {
            sum = sum.add(pmf.get(k), MC);
            out[k] = sum;
        }
        return List.of(out);
    }

    /** P(X &lt;= k) from a cumulative list; past its end, its last value. */
    private static BigDecimal atMost(List<BigDecimal> cumulative, long k) {
        return cumulative.get((int) Math.min(k, cumulative.size() - 1));
    }

    /** P(X &gt;= k) from an upper-tail list; past its end, 0. */
    private static BigDecimal atLeast(List<BigDecimal> upperTails, long k) {
        return k < upperTails.size() ? upperTails.get((int) k) : BigDecimal.ZERO;
    }
}
