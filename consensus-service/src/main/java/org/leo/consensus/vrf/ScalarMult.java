package org.leo.consensus.vrf;

/**
 * Scalar multiplication on edwards25519. The {@code ...Ct} methods take secret scalars (x, k):
 * a fixed sequence of doublings and additions, signed radix-16 digits computed arithmetically,
 * table entries chosen by {@link Precomp#lookupCt} (masked moves over the whole table). The
 * {@code ...Var} methods take public scalars only (s and c of a proof under verification): wNAF
 * digits and Straus-Shamir interleaving, with branches and table indexes that depend on the digits.
 */
final class ScalarMult {
    /** wNAF width for points known only at run time (H, Y, Gamma): 8 odd multiples. */
    static final int VAR_WNAF_WIDTH = 5;

    private ScalarMult() {
    }

    /**
     * The 64 signed digits e_i in [-8, 8] with k = sum e_i 16^i, for k &lt; 2^255 (32 bytes,
     * little-endian). Branch-free.
     */
    static int[] signedRadix16(byte[] k) {
        if (k.length != 32 || (k[31] & 0x80) != 0) {
            throw new IllegalArgumentException("expected a 32-byte scalar below 2^255");
        }
        int[] e = new int[64];
        for (int i = 0; i < 32; i++) {
            e[2 * i] = k[i] & 15;
            e[2 * i + 1] = (k[i] >>> 4) & 15;
        }
        int carry = 0;
        for (int i = 0; i < 63; i++) {
            e[i] += carry;
            carry = (e[i] + 8) >> 4;
            e[i] -= carry << 4;
        }
        e[63] += carry;
        return e;
    }

    /** r = k B in constant time (k &lt; 2^255): 64 additions from {@link BaseTables#COMB}, 4 doublings. */
    static void baseCt(byte[] k, EdPoint r) {
        int[] e = signedRadix16(k);
        Precomp t = new Precomp(true);
        r.setIdentity();
        for (int i = 1; i < 64; i += 2) {
            t.lookupCt(BaseTables.COMB[i / 2], e[i]);
            r.add(t, false);
        }
        r.dbl();
        r.dbl();
        r.dbl();
        r.dbl();
        for (int i = 0; i < 64; i += 2) {
            t.lookupCt(BaseTables.COMB[i / 2], e[i]);
            r.add(t, false);
        }
    }

    /** The table P, 2P, ..., 8P for {@link #varCt}. Its cost does not depend on any scalar. */
    static Precomp[] windowTable(EdPoint p) {
        Precomp[] table = new Precomp[8];
        EdPoint acc = BaseTables.copy(p);
        Precomp p1 = p.toPrecomp();
        table[0] = p1;
        for (int i = 1; i < 8; i++) {
            acc.add(p1, false);
            table[i] = acc.toPrecomp();
        }
        return table;
    }

    /**
     * r = k P in constant time (k &lt; 2^255), P given by its {@link #windowTable}: 252 doublings and
     * 64 additions, always, whatever k.
     */
    static void varCt(byte[] k, Precomp[] table, EdPoint r) {
        int[] e = signedRadix16(k);
        Precomp t = new Precomp(false);
        r.setIdentity();
        for (int i = 63; i >= 0; i--) {
            if (i != 63) {
                r.dbl();
                r.dbl();
                r.dbl();
                r.dbl();
            }
            t.lookupCt(table, e[i]);
            r.add(t, false);
        }
    }

    /**
     * The width-w non-adjacent form of a little-endian scalar: digits odd in (-2^(w-1), 2^(w-1)) or
     * 0, at least w - 1 zeros after each non-zero, k = sum d_i 2^i. Variable time.
     */
    static byte[] wnafVar(byte[] k, int w) {
        int nbits = k.length * 8;
        byte[] digits = new byte[nbits + w];
        int carry = 0;
        int j = 0;
        while (j < digits.length) {
            if (bit(k, j) == carry) {
                j++;
                continue;
            }
            int window = carry;
            for (int t = 0; t < w; t++) {
                window += bit(k, j + t) << t;
            }
            if (window >= 1 << (w - 1)) {
                window -= 1 << w;
                carry = 1;
            } else {
                carry = 0;
            }
            digits[j] = (byte) window;
            j += w;
        }
        return digits;
    }

    private static int bit(byte[] k, int i) {
        return i < k.length * 8 ? (k[i >>> 3] >>> (i & 7)) & 1 : 0;
    }

    /** Odd multiples P, 3P, ..., for the variable-time wNAF of width {@link #VAR_WNAF_WIDTH}. */
    static Precomp[] oddTableVar(EdPoint p) {
        EdPoint[] odd = BaseTables.oddMultiples(p, 1 << (VAR_WNAF_WIDTH - 2));
        Precomp[] table = new Precomp[odd.length];
        for (int i = 0; i < odd.length; i++) {
            table[i] = odd[i].toPrecomp();
        }
        return table;
    }

    /**
     * r = sum over i of (negate[i] ? -1 : 1) digits[i] * (the point of tables[i]), Straus-Shamir: one
     * doubling chain for all. Variable time.
     */
    static void strausVar(byte[][] digits, Precomp[][] tables, boolean[] negate, EdPoint r) {
        int top = -1;
        for (byte[] d : digits) {
            for (int i = d.length - 1; i > top; i--) {
                if (d[i] != 0) {
                    top = i;
                    break;
                }
            }
        }
        r.setIdentity();
        for (int i = top; i >= 0; i--) {
            if (i != top) {
                r.dbl();
            }
            for (int n = 0; n < digits.length; n++) {
                if (i >= digits[n].length) {
                    continue;
                }
                int d = digits[n][i];
                if (d > 0) {
                    r.add(tables[n][d >> 1], negate[n]);
                } else if (d < 0) {
                    r.add(tables[n][(-d) >> 1], !negate[n]);
                }
            }
        }
    }

    /** r = s B - c Q for public s &lt; 2^253 (32 bytes) and c &lt; 2^128 (16 bytes). Variable time. */
    static void baseMinusVar(byte[] s, byte[] c, Precomp[] qOdd, EdPoint r) {
        byte[] lo = java.util.Arrays.copyOfRange(s, 0, 16);
        byte[] hi = java.util.Arrays.copyOfRange(s, 16, 32);
        strausVar(new byte[][] {wnafVar(lo, BaseTables.BASE_WNAF_WIDTH), wnafVar(hi, BaseTables.BASE_WNAF_WIDTH), wnafVar(c, VAR_WNAF_WIDTH)},
                new Precomp[][] {BaseTables.ODD_B, BaseTables.ODD_B128, qOdd}, new boolean[] {false, false, true}, r);
    }

    /** r = s P - c Q for public s and c. Variable time. */
    static void minusVar(byte[] s, Precomp[] pOdd, byte[] c, Precomp[] qOdd, EdPoint r) {
        strausVar(new byte[][] {wnafVar(s, VAR_WNAF_WIDTH), wnafVar(c, VAR_WNAF_WIDTH)},
                new Precomp[][] {pOdd, qOdd}, new boolean[] {false, true}, r);
    }
}
