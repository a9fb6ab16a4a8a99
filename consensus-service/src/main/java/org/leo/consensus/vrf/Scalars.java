package org.leo.consensus.vrf;

import java.util.HexFormat;

/**
 * Integers modulo the group order L = 2^252 + 27742317777372353535851937790883648493, as 32-byte
 * little-endian strings (RFC 8032's int_to_string).
 *
 * <p>{@link #reduce} and {@link #mulAdd} handle the secret scalar x and the nonce k, so they are
 * written without branches or indexes that depend on the value: the number is split into signed
 * 21-bit limbs in {@code long}s, the part above 2^252 is folded down with 2^252 = -(L - 2^252) mod
 * L a fixed number of times, and the result, brought into [0, 2L), gets one masked subtraction of L.
 * Loop counts depend only on the (public) input lengths. {@link #isReducedVar} looks at public s
 * only and may branch.
 */
final class Scalars {
    static final int BYTES = 32;
    /** L, little-endian. */
    static final byte[] L_BYTES = HexFormat.of().parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

    private static final int BITS = 21;
    private static final long MASK = (1L << BITS) - 1;
    private static final int LIMBS = 27;                 // 567 bits: room for a 512-bit product
    private static final int LOW = 12;                   // 12 * 21 = 252
    private static final int FOLD_ROUNDS = 5;            // each takes about 127 bits off; 4 suffice from 567
    private static final long[] L_LIMBS = toLimbs(L_BYTES, 13);
    /** L - 2^252 in limbs: 2^252 = -C (mod L). */
    private static final long[] C_LIMBS = java.util.Arrays.copyOf(L_LIMBS, 6);

    private Scalars() {
    }

    /** Whether the 32 bytes at off, as an integer, are below L (the RFC's "s &lt; q" check). Variable time. */
    static boolean isReducedVar(byte[] s, int off) {
        for (int i = BYTES - 1; i >= 0; i--) {
            int a = s[off + i] & 0xFF;
            int b = L_BYTES[i] & 0xFF;
            if (a != b) {
                return a < b;
            }
        }
        return false;
    }

    /** in (little-endian, at most 64 bytes) mod L. Constant time in the value. */
    static byte[] reduce(byte[] in) {
        if (in.length > 64) {
            throw new IllegalArgumentException("expected at most 64 bytes, got " + in.length);
        }
        return finish(toLimbs(in, LIMBS));
    }

    /** (a b + c) mod L for little-endian a, b, c of at most 32 bytes each. Constant time in the values. */
    static byte[] mulAdd(byte[] a, byte[] b, byte[] c) {
        if (a.length > BYTES || b.length > BYTES || c.length > BYTES) {
            throw new IllegalArgumentException("expected at most 32-byte operands");
        }
        long[] x = toLimbs(a, 13);
        long[] y = toLimbs(b, 13);
        long[] s = toLimbs(c, LIMBS);
        for (int i = 0; i < 13; i++) {
            for (int j = 0; j < 13; j++) {
                s[i + j] += x[i] * y[j];
            }
        }
        return finish(s);
    }

    private static long[] toLimbs(byte[] in, int n) {
        long[] limbs = new long[n];
        long acc = 0;
        int accBits = 0;
        int li = 0;
        for (byte b : in) {
            acc |= (long) (b & 0xFF) << accBits;
            accBits += 8;
            if (accBits >= BITS) {
                limbs[li++] = acc & MASK;
                acc >>>= BITS;
                accBits -= BITS;
            }
        }
        if (accBits > 0) {
            limbs[li] = acc;
        }
        return limbs;
    }

    /** Rounding carries out of limbs 0 .. to-1, each into the next: those limbs end in [-2^20, 2^20). */
    private static void carry(long[] s, int to) {
        for (int i = 0; i < to; i++) {
            long c = (s[i] + (1L << (BITS - 1))) >> BITS;
            s[i + 1] += c;
            s[i] -= c << BITS;
        }
    }

    private static byte[] finish(long[] s) {
        long[] hi = new long[LIMBS - LOW];
        for (int round = 0; round < FOLD_ROUNDS; round++) {
            carry(s, LIMBS - 1);
            for (int j = LOW; j < LIMBS; j++) {
                hi[j - LOW] = s[j];
                s[j] = 0;
            }
            for (int j = 0; j < hi.length; j++) {
                for (int t = 0; t < C_LIMBS.length; t++) {
                    s[j + t] -= hi[j] * C_LIMBS[t];
                }
            }
        }
        // Now |value| < 2^252 and limbs 12.. are zero: limb 11 takes what the low limbs do not hold.
        carry(s, LOW - 1);
        for (int i = 0; i <= LOW; i++) {
            s[i] += L_LIMBS[i];                // in (0, 2L) now
        }
        s[LOW - 1] += s[LOW] << BITS;          // L's 2^252 bit, kept in limb 11
        s[LOW] = 0;
        for (int i = 0; i < LOW - 1; i++) {    // floor carries: limbs 0..10 in [0, 2^21)
            s[i + 1] += s[i] >> BITS;
            s[i] &= MASK;
        }
        long[] d = new long[LOW];
        long borrow = 0;
        for (int i = 0; i < LOW - 1; i++) {
            long t = s[i] - L_LIMBS[i] + borrow;
            d[i] = t & MASK;
            borrow = t >> BITS;
        }
        long lTop = L_LIMBS[LOW - 1] + (L_LIMBS[LOW] << BITS);
        d[LOW - 1] = s[LOW - 1] - lTop + borrow;
        long keep = d[LOW - 1] >> 63;          // all ones when value < L: keep it, else take value - L
        for (int i = 0; i < LOW; i++) {
            s[i] = (s[i] & keep) | (d[i] & ~keep);
        }
        return fromLimbs(s);
    }

    private static byte[] fromLimbs(long[] s) {
        byte[] out = new byte[BYTES];
        long acc = 0;
        int bits = 0;
        int bi = 0;
        for (int i = 0; i < LOW; i++) {
            acc |= s[i] << bits;
            bits += BITS;
            while (bits >= 8) {
                out[bi++] = (byte) acc;
                acc >>>= 8;
                bits -= 8;
            }
        }
        while (bi < BYTES) {
            out[bi++] = (byte) acc;
            acc >>>= 8;
        }
        return out;
    }
}
