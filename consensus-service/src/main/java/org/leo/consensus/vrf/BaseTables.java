package org.leo.consensus.vrf;

import java.util.HexFormat;

/**
 * The base point B of edwards25519 and tables of its multiples, computed once when the class loads
 * (a few milliseconds) from B's RFC 8032 encoding.
 *
 * <ul>
 *   <li>{@link #COMB}: (j + 1) 256^i B for i &lt; 32, j &lt; 8, affine, for the constant-time
 *       fixed-base multiplication (k B, x B) with signed radix-16 digits.
 *   <li>{@link #ODD_B} and {@link #ODD_B128}: the odd multiples 1, 3, ..., 127 of B and of 2^128 B,
 *       affine, for the variable-time width-8 wNAF in verification: s B is computed as
 *       s_lo B + s_hi (2^128 B), so it shares its 128 doublings with c Y.
 * </ul>
 */
final class BaseTables {
    static final byte[] B_ENCODED = HexFormat.of().parseHex("5866666666666666666666666666666666666666666666666666666666666666");
    static final int BASE_WNAF_WIDTH = 8;

    static final Precomp[][] COMB = new Precomp[32][];
    static final Precomp[] ODD_B;
    static final Precomp[] ODD_B128;

    static {
        EdPoint b = base();
        EdPoint block = new EdPoint();
        block.set(b);
        for (int i = 0; i < 32; i++) {
            EdPoint[] multiples = new EdPoint[8];
            EdPoint acc = new EdPoint();
            Precomp step = block.toPrecomp();
            for (int j = 0; j < 8; j++) {
                acc.add(step, false);
                multiples[j] = copy(acc);
            }
            COMB[i] = toAffine(multiples);
            for (int d = 0; d < 8; d++) {
                block.dbl();
            }
        }
        ODD_B = toAffine(oddMultiples(b, 1 << (BASE_WNAF_WIDTH - 2)));
        EdPoint b128 = base();
        for (int d = 0; d < 128; d++) {
            b128.dbl();
        }
        ODD_B128 = toAffine(oddMultiples(b128, 1 << (BASE_WNAF_WIDTH - 2)));
    }

    private BaseTables() {
    }

    /** A fresh copy of B. */
    static EdPoint base() {
        EdPoint b = new EdPoint();
        if (b.decode(B_ENCODED, 0) != null) {
            throw new IllegalStateException("the base point does not decode");
        }
        return b;
    }

    static EdPoint copy(EdPoint p) {
        EdPoint r = new EdPoint();
        r.set(p);
        return r;
    }

    /** P, 3P, 5P, ..., (2 count - 1) P. */
    static EdPoint[] oddMultiples(EdPoint p, int count) {
        EdPoint[] r = new EdPoint[count];
        r[0] = copy(p);
        EdPoint twice = copy(p);
        twice.dbl();
        Precomp twiceP = twice.toPrecomp();
        for (int i = 1; i < count; i++) {
            r[i] = copy(r[i - 1]);
            r[i].add(twiceP, false);
        }
        return r;
    }

    /** The points as affine addends (y + x, y - x, 2 d x y), with one inversion (Montgomery's trick). */
    static Precomp[] toAffine(EdPoint[] points) {
        int[][] zs = new int[points.length][];
        for (int i = 0; i < points.length; i++) {
            zs[i] = points[i].z;
        }
        int[][] zi = Fe.invertAll(zs, false);
        Precomp[] r = new Precomp[points.length];
        int[] ax = Fe.create();
        int[] ay = Fe.create();
        for (int i = 0; i < points.length; i++) {
            Fe.mul(points[i].x, zi[i], ax);
            Fe.mul(points[i].y, zi[i], ay);
            Precomp q = new Precomp(true);
            Fe.apm(ay, ax, q.ypx, q.ymx);
            Fe.carry(q.ypx);
            Fe.carry(q.ymx);
            Fe.mul(ax, ay, q.t2d);
            Fe.mul(q.t2d, Fe.D2, q.t2d);
            r[i] = q;
        }
        return r;
    }
}
