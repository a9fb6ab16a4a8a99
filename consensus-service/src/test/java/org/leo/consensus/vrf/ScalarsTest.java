package org.leo.consensus.vrf;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Scalars} against BigInteger: random values and the edges (0, L - 1, L, multiples of L, all ones). */
class ScalarsTest {
    static final BigInteger L = BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));

    static byte[] le(BigInteger v, int len) {
        byte[] be = v.toByteArray();
        byte[] out = new byte[len];
        for (int i = 0; i < len && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }

    static BigInteger fromLe(byte[] b) {
        byte[] be = new byte[b.length + 1];
        for (int i = 0; i < b.length; i++) {
            be[be.length - 1 - i] = b[i];
        }
        return new BigInteger(be);
    }

    static List<BigInteger> edges(int bytes) {
        BigInteger max = BigInteger.TWO.pow(8 * bytes).subtract(BigInteger.ONE);
        List<BigInteger> v = new ArrayList<>(List.of(BigInteger.ZERO, BigInteger.ONE, L.subtract(BigInteger.ONE), L, L.add(BigInteger.ONE),
                BigInteger.TWO.pow(252), BigInteger.TWO.pow(252).subtract(BigInteger.ONE), BigInteger.TWO.pow(253), max));
        for (BigInteger m = L.shiftLeft(1); m.compareTo(max) < 0; m = m.multiply(BigInteger.valueOf(3))) {
            v.add(m);
            v.add(m.subtract(BigInteger.ONE));
            v.add(m.add(BigInteger.ONE));
        }
        for (int k = 1; k < 8 * bytes; k += 7) {
            v.add(BigInteger.TWO.pow(k).subtract(BigInteger.ONE));
            v.add(BigInteger.TWO.pow(k).multiply(L).mod(max.add(BigInteger.ONE)));
        }
        v.removeIf(x -> x.signum() < 0 || x.compareTo(max) > 0);
        return v;
    }

    static List<BigInteger> withRandom(List<BigInteger> edges, SplittableRandom rnd, int count, int bytes) {
        List<BigInteger> values = new ArrayList<>(edges);
        for (int i = 0; i < count; i++) {
            byte[] b = new byte[bytes];
            rnd.nextBytes(b);
            values.add(fromLe(b));
        }
        return values;
    }

    @Test
    void reduceMatchesBigInteger() {
        List<BigInteger> values = withRandom(edges(64), new SplittableRandom(9381), 20_000, 64);
        for (BigInteger v : values) {
            assertThat(fromLe(Scalars.reduce(le(v, 64)))).as("reduce(%s)", v).isEqualTo(v.mod(L));
        }
        assertThat(fromLe(Scalars.reduce(new byte[0]))).isZero();
    }

    @Test
    void mulAddMatchesBigInteger() {
        SplittableRandom rnd = new SplittableRandom(8032);
        List<BigInteger> values = withRandom(edges(32), rnd, 60, 32);
        for (BigInteger a : values) {
            for (BigInteger b : values) {
                BigInteger c = values.get(Math.floorMod(a.hashCode() ^ b.hashCode(), values.size()));
                byte[] got = Scalars.mulAdd(le(a, 32), le(b, 32), le(c, 32));
                assertThat(fromLe(got)).as("%s * %s + %s", a, b, c).isEqualTo(a.multiply(b).add(c).mod(L));
            }
        }
        // The shapes prove() uses: a 16-byte c, a 32-byte x.
        byte[] c16 = new byte[16];
        rnd.nextBytes(c16);
        byte[] x = le(BigInteger.TWO.pow(255).subtract(BigInteger.ONE), 32);
        byte[] k = le(L.subtract(BigInteger.ONE), 32);
        assertThat(fromLe(Scalars.mulAdd(c16, x, k))).isEqualTo(fromLe(c16).multiply(fromLe(x)).add(fromLe(k)).mod(L));
    }

    @Test
    void isReducedIsSBelowL() {
        assertThat(Scalars.isReducedVar(le(L.subtract(BigInteger.ONE), 32), 0)).isTrue();
        assertThat(Scalars.isReducedVar(le(BigInteger.ZERO, 32), 0)).isTrue();
        assertThat(Scalars.isReducedVar(le(L, 32), 0)).isFalse();
        assertThat(Scalars.isReducedVar(le(L.add(BigInteger.ONE), 32), 0)).isFalse();
        assertThat(Scalars.isReducedVar(le(BigInteger.TWO.pow(256).subtract(BigInteger.ONE), 32), 0)).isFalse();
    }
}
