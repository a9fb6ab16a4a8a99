package org.leo.consensus.vrf;

/**
 * A point prepared as the second operand of {@link EdPoint#add}: (Y + X, Y - X, 2Z, 2d T), or for an
 * affine point (y + x, y - x, 2 x y d) with {@code z2} null (Z = 1 saves a multiplication).
 */
final class Precomp {
    final int[] ypx = Fe.create();
    final int[] ymx = Fe.create();
    final int[] z2;
    final int[] t2d = Fe.create();

    Precomp(boolean affine) {
        z2 = affine ? null : Fe.create();
        setIdentity();
    }

    void setIdentity() {
        Fe.one(ypx);
        Fe.one(ymx);
        Fe.zero(t2d);
        if (z2 != null) {
            Fe.zero(z2);
            z2[0] = 2;
        }
    }

    /**
     * Constant-time table lookup: this = sign(digit) * table[|digit| - 1], or the identity for digit
     * 0, for |digit| &lt;= table.length. Every entry is read, the choice is made with masks
     * ({@code cmov}), and the negation is a masked swap and negate: no branch and no index depends on
     * the digit.
     */
    void lookupCt(Precomp[] table, int digit) {
        int sign = digit >> 31;                  // -1 if negative
        int abs = (digit ^ sign) - sign;
        setIdentity();
        for (int j = 0; j < table.length; j++) {
            int cond = ((abs ^ (j + 1)) - 1) >> 31;
            Precomp t = table[j];
            Fe.cmov(cond, t.ypx, 0, ypx, 0);
            Fe.cmov(cond, t.ymx, 0, ymx, 0);
            Fe.cmov(cond, t.t2d, 0, t2d, 0);
            if (z2 != null) {
                Fe.cmov(cond, t.z2, 0, z2, 0);
            }
        }
        int neg = sign & 1;
        Fe.cswap(neg, ypx, ymx);
        Fe.cnegate(neg, t2d);
    }
}
