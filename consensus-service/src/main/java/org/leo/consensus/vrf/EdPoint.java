package org.leo.consensus.vrf;

/**
 * A mutable point of edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19)) in extended
 * twisted-Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, with T = XY/Z kept as the product of two
 * factors {@code e} and {@code h} (T = e h) so that a doubling followed by another doubling never
 * computes it. The formulas are Hisil-Wong-Carter-Dawson 2008 (dbl-2008-hwcd, add-2008-hwcd-3 with
 * a = -1): complete on this curve (a is a square, d is not), so the identity and equal or opposite
 * points need no special case and no branch.
 *
 * <p>Each point carries its own scratch field elements, so the formulas allocate nothing; a point
 * must not be used from two threads at once.
 */
final class EdPoint {
    final int[] x = Fe.create();
    final int[] y = Fe.create();
    final int[] z = Fe.create();
    final int[] e = Fe.create();
    final int[] h = Fe.create();

    private final int[] ta = Fe.create();
    private final int[] tb = Fe.create();
    private final int[] tc = Fe.create();
    private final int[] td = Fe.create();
    private final int[] tf = Fe.create();
    private final int[] tg = Fe.create();

    EdPoint() {
        setIdentity();
    }

    void setIdentity() {
        Fe.zero(x);
        Fe.one(y);
        Fe.one(z);
        Fe.zero(e);
        Fe.one(h);
    }

    void set(EdPoint p) {
        Fe.copy(p.x, 0, x, 0);
        Fe.copy(p.y, 0, y, 0);
        Fe.copy(p.z, 0, z, 0);
        Fe.copy(p.e, 0, e, 0);
        Fe.copy(p.h, 0, h, 0);
    }

    /** This = (x, y) for affine x and y (carried). */
    void setAffine(int[] ax, int[] ay) {
        Fe.copy(ax, 0, x, 0);
        Fe.copy(ay, 0, y, 0);
        Fe.one(z);
        Fe.copy(ax, 0, e, 0);
        Fe.copy(ay, 0, h, 0);
    }

    /** This = 2 * this: 4 squarings, 3 multiplications (T is left as e h). */
    void dbl() {
        Fe.sqr(x, ta);                      // A = X^2
        Fe.sqr(y, tb);                      // B = Y^2
        Fe.sqr(z, tc);
        Fe.add(tc, tc, tc);                 // C = 2 Z^2
        Fe.apm(ta, tb, h, tg);              // H = A + B, G = A - B
        Fe.add(x, y, e);
        Fe.sqr(e, e);
        Fe.sub(h, e, e);                    // E = H - (X + Y)^2
        Fe.carry(e);
        Fe.add(tc, tg, tf);                 // F = C + G
        Fe.carry(tf);
        Fe.mul(e, tf, x);                   // X3 = E F
        Fe.mul(tg, h, y);                   // Y3 = G H
        Fe.mul(tf, tg, z);                  // Z3 = F G
    }

    /**
     * This = this + q (or this - q when {@code negate}; a variable-time choice, for public points
     * only: the constant-time callers negate q themselves and pass false). 8 multiplications, 7
     * when q is affine.
     */
    void add(Precomp q, boolean negate) {
        int[] qp = negate ? q.ymx : q.ypx;
        int[] qm = negate ? q.ypx : q.ymx;
        Fe.apm(y, x, tb, ta);               // Y1 + X1, Y1 - X1
        Fe.mul(ta, qm, ta);                 // A = (Y1 - X1)(Y2 - X2)
        Fe.mul(tb, qp, tb);                 // B = (Y1 + X1)(Y2 + X2)
        Fe.mul(e, h, tc);                   // T1
        Fe.mul(tc, q.t2d, tc);              // C = T1 2d T2
        if (q.z2 == null) {
            Fe.add(z, z, td);               // D = 2 Z1 (q affine)
        } else {
            Fe.mul(z, q.z2, td);            // D = Z1 2 Z2
        }
        Fe.apm(tb, ta, h, e);               // H = B + A, E = B - A
        if (negate) {
            Fe.apm(td, tc, tf, tg);         // with -q: F = D + C, G = D - C
        } else {
            Fe.apm(td, tc, tg, tf);         // G = D + C, F = D - C
        }
        Fe.carry(tf);
        Fe.carry(tg);
        Fe.mul(e, tf, x);                   // X3 = E F
        Fe.mul(tg, h, y);                   // Y3 = G H
        Fe.mul(tf, tg, z);                  // Z3 = F G
    }

    /** This point as an addend: (Y + X, Y - X, 2Z, 2d T). */
    Precomp toPrecomp() {
        Precomp r = new Precomp(false);
        Fe.apm(y, x, r.ypx, r.ymx);
        Fe.carry(r.ypx);
        Fe.carry(r.ymx);
        Fe.add(z, z, r.z2);
        Fe.carry(r.z2);
        Fe.mul(e, h, r.t2d);
        Fe.mul(r.t2d, Fe.D2, r.t2d);
        return r;
    }

    /** Whether this is the identity (X = 0 and Y = Z). Variable time. */
    boolean isIdentityVar() {
        int[] t = Fe.copyOf(x);
        Fe.normalize(t);
        if (!Fe.isZeroVar(t)) {
            return false;
        }
        Fe.sub(y, z, t);
        Fe.carry(t);
        Fe.normalize(t);
        return Fe.isZeroVar(t);
    }

    /**
     * Encodes points (RFC 8032 section 5.1.2) with one field inversion for all of them
     * (Montgomery's trick). {@code constantTime} chooses the fixed-chain inversion over the faster
     * variable-time one; everything else is branch-free either way.
     */
    static void encode(EdPoint[] points, byte[][] out, boolean constantTime) {
        int[][] zs = new int[points.length][];
        for (int i = 0; i < points.length; i++) {
            zs[i] = points[i].z;
        }
        int[][] zi = Fe.invertAll(zs, constantTime);
        int[] ax = Fe.create();
        int[] ay = Fe.create();
        for (int i = 0; i < points.length; i++) {
            Fe.mul(points[i].x, zi[i], ax);
            Fe.mul(points[i].y, zi[i], ay);
            Fe.normalize(ax);
            Fe.normalize(ay);
            Fe.encode(ay, out[i], 0);
            out[i][31] |= (byte) ((ax[0] & 1) << 7);
        }
    }

    static byte[] encode(EdPoint p, boolean constantTime) {
        byte[][] out = {new byte[32]};
        encode(new EdPoint[] {p}, out, constantTime);
        return out[0];
    }

    /**
     * Decodes a 32-byte string as RFC 8032 section 5.1.3 does, strictly: y must be below p, and x = 0
     * with the sign bit set is refused. Variable time (it only sees public strings).
     *
     * @return null on success, else why not ({@link Decoding#NOT_CANONICAL} or {@link Decoding#NOT_ON_CURVE})
     */
    Decoding decode(byte[] in, int off) {
        if (!Fe.isCanonicalVar(in, off)) {
            return Decoding.NOT_CANONICAL;
        }
        int sign = (in[off + 31] >>> 7) & 1;
        byte[] yb = new byte[32];
        System.arraycopy(in, off, yb, 0, 32);
        yb[31] &= 0x7F;
        int[] ay = Fe.create();
        Fe.decode(yb, 0, ay);
        int[] u = Fe.create();
        int[] v = Fe.create();
        Fe.sqr(ay, u);
        Fe.mul(Fe.D, u, v);
        Fe.subOne(u);                            // u = y^2 - 1
        Fe.addOne(v);                            // v = d y^2 + 1
        int[] ax = Fe.create();
        if (!Fe.sqrtRatioVar(u, v, ax)) {
            return Decoding.NOT_ON_CURVE;
        }
        Fe.normalize(ax);
        if (sign == 1 && Fe.isZeroVar(ax)) {
            return Decoding.NOT_CANONICAL;
        }
        if ((ax[0] & 1) != sign) {
            Fe.negate(ax, ax);
            Fe.carry(ax);
            Fe.normalize(ax);
        }
        setAffine(ax, ay);
        return null;
    }

    /** Why a string is not a point encoding. */
    enum Decoding { NOT_CANONICAL, NOT_ON_CURVE }
}
