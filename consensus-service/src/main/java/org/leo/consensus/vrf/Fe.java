package org.leo.consensus.vrf;

import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * Arithmetic in GF(2^255 - 19): BouncyCastle's {@link X25519Field} (ten signed limbs of 26/25 bits
 * in an {@code int[10]}; {@code mul}, {@code sqr}, {@code inv}, {@code cmov}, {@code cswap},
 * {@code cnegate}, {@code normalize} and {@code encode} have no secret-dependent branch or index)
 * under a short name, plus the edwards25519 constants.
 *
 * <p>Limb bounds, as BouncyCastle's own Ed25519 keeps them: {@code mul} and {@code sqr} outputs are
 * "carried"; the sum or difference of two carried values may go into a {@code mul}; anything built
 * from three or more must go through {@link #carry} first.
 */
abstract class Fe extends X25519Field {
    /** The curve constant d = -121665/121666 (RFC 8032 section 5.1). */
    static final int[] D = create();
    /** 2d, the constant of the extended-coordinates addition. */
    static final int[] D2 = create();

    static {
        int[] den = create();
        den[0] = 121666;
        inv(den, den);
        int[] num = create();
        num[0] = 121665;
        mul(num, den, D);
        negate(D, D);
        carry(D);
        normalize(D);
        add(D, D, D2);
        carry(D2);
        normalize(D2);
    }

    private Fe() {
    }

    static int[] one() {
        int[] z = create();
        one(z);
        return z;
    }

    static int[] copyOf(int[] x) {
        int[] z = create();
        copy(x, 0, z, 0);
        return z;
    }

    /** Whether the low 255 bits of in[off..off+31] (little-endian; bit 255 is a sign) are below p. Variable time. */
    static boolean isCanonicalVar(byte[] in, int off) {
        if ((in[off + 31] & 0x7F) != 0x7F) {
            return true;
        }
        for (int i = 30; i >= 1; i--) {
            if (in[off + i] != (byte) 0xFF) {
                return true;
            }
        }
        return (in[off] & 0xFF) < 0xED;
    }

    /**
     * The inverses of all the (non-zero) elements with one field inversion (Montgomery's trick).
     * {@code constantTime} chooses the fixed-chain inversion over the variable-time one; the
     * multiplications around it are the same either way.
     */
    static int[][] invertAll(int[][] z, boolean constantTime) {
        int n = z.length;
        int[][] prefix = new int[n][];
        int[] acc = one();
        for (int i = 0; i < n; i++) {
            prefix[i] = copyOf(acc);
            mul(acc, z[i], acc);
        }
        int[] inv = create();
        if (constantTime) {
            inv(acc, inv);
        } else {
            invVar(acc, inv);
        }
        int[][] out = new int[n][];
        for (int i = n - 1; i >= 0; i--) {
            out[i] = create();
            mul(inv, prefix[i], out[i]);        // 1 / z_i
            mul(inv, z[i], inv);                // 1 / (z_0 ... z_{i-1})
        }
        return out;
    }

    /** z = x, normalized into [0, p), written as 32 little-endian bytes. */
    static void encodeNormalized(int[] x, byte[] out, int off) {
        int[] t = copyOf(x);
        normalize(t);
        encode(t, out, off);
    }
}
