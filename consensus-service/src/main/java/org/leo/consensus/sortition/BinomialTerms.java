package org.leo.consensus.sortition;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;

/**
 * The terms B(0; n, p), B(1; n, p), ... of a binomial distribution with p = num/den, 0 < p < 1,
 * each rounded to the digits of a {@link MathContext} by the rule written in docs/sortition.md, so
 * that anyone with a correctly rounded decimal library (Python's {@code decimal}, Java's
 * {@code BigDecimal}) gets the same digits:
 * <pre>
 *   q   = round((den - num) / den)
 *   t_0 = pow(q, n)                      left-to-right square-and-multiply, rounding every product
 *   t_k = round(round(t_{k-1} * ((n - k + 1) * num)) / (k * (den - num)))      for 1 &lt;= k &lt;= n
 * </pre>
 * The integer products are exact. Nothing here is floating point.
 */
final class BinomialTerms {
    private final long n;
    private final BigInteger num;
    private final BigInteger denMinusNum;
    private final MathContext mc;
    private long k;
    private BigDecimal term;

    BinomialTerms(long n, long num, long den, MathContext mc) {
        if (n < 0 || num <= 0 || den <= num) {
            throw new IllegalArgumentException("a binomial needs n >= 0 and 0 < num < den, got n=" + n + " num=" + num + " den=" + den);
        }
        this.n = n;
        this.num = BigInteger.valueOf(num);
        this.denMinusNum = BigInteger.valueOf(den - num);
        this.mc = mc;
        BigDecimal q = new BigDecimal(denMinusNum).divide(BigDecimal.valueOf(den), mc);
        this.term = pow(q, n, mc);
    }

    /** The index of the current term. */
    long k() {
        return k;
    }

    /** B(k; n, p), rounded. */
    BigDecimal term() {
        return term;
    }

    boolean hasNext() {
        return k < n;
    }

    /** Moves to term k + 1; only while {@link #hasNext()}. */
    BigDecimal next() {
        if (k >= n) {
            throw new IllegalStateException("B(k; n, p) has no term after k = n = " + n);
        }
        k++;
        BigInteger up = BigInteger.valueOf(n - k + 1).multiply(num);
        BigInteger down = BigInteger.valueOf(k).multiply(denMinusNum);
        term = term.multiply(new BigDecimal(up), mc).divide(new BigDecimal(down), mc);
        return term;
    }

    /** base^e by left-to-right square-and-multiply, every product rounded to {@code mc}; e >= 0. */
    static BigDecimal pow(BigDecimal base, long e, MathContext mc) {
        BigDecimal r = BigDecimal.ONE;
        for (int bit = 63 - Long.numberOfLeadingZeros(e); bit >= 0; bit--) {
            r = r.multiply(r, mc);
            if ((e >>> bit & 1) == 1) {
                r = r.multiply(base, mc);
            }
        }
        return r;
    }
}
