package org.leo.consensus.vrf;

import org.bouncycastle.crypto.digests.SHA512Digest;

/**
 * The hashing steps of ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381 section 5.5: suite_string 0x03,
 * SHA-512, cLen 16, cofactor 8, encode_to_curve_salt = PK_string).
 */
final class Suite {
    static final byte SUITE = 0x03;
    static final int C_LEN = 16;

    private Suite() {
    }

    static byte[] sha512(byte[]... parts) {
        SHA512Digest d = new SHA512Digest();
        for (byte[] p : parts) {
            d.update(p, 0, p.length);
        }
        byte[] out = new byte[64];
        d.doFinal(out, 0);
        return out;
    }

    /** What {@link #encodeToCurve} found: H and the ctr of the successful try. */
    record Encoded(EdPoint h, int ctr) {
    }

    /**
     * ECVRF_encode_to_curve_try_and_increment (RFC 9381 section 5.4.1.1): the first ctr whose
     * Hash(suite || 0x01 || PK || alpha || ctr || 0x00), first 32 bytes, decodes (RFC 8032 rules) to
     * a point whose cofactor multiple is not the identity; H is that multiple. Variable time: its
     * inputs are public.
     */
    static Encoded encodeToCurve(byte[] pkString, byte[] alpha) {
        EdPoint h = new EdPoint();
        for (int ctr = 0; ctr < 256; ctr++) {
            byte[] hash = sha512(new byte[] {SUITE, 0x01}, pkString, alpha, new byte[] {(byte) ctr, 0x00});
            if (h.decode(hash, 0) != null) {
                continue;
            }
            h.dbl();
            h.dbl();
            h.dbl();
            if (!h.isIdentityVar()) {
                return new Encoded(h, ctr);
            }
        }
        // Each try succeeds with probability about 1/2: 256 failures do not happen.
        throw new IllegalStateException("try_and_increment found no point in 256 tries");
    }

    /** The RFC 8032 secret expansion: SHA-512 of the 32-byte secret key. */
    static byte[] expand(byte[] secretKey) {
        return sha512(secretKey);
    }

    /** x: the first half of the expansion, clamped (RFC 8032 section 5.1.5). */
    static byte[] secretScalar(byte[] expanded) {
        byte[] x = java.util.Arrays.copyOf(expanded, 32);
        x[0] &= (byte) 0xF8;
        x[31] &= 0x7F;
        x[31] |= 0x40;
        return x;
    }

    /**
     * ECVRF_nonce_generation_RFC8032 (RFC 9381 section 5.4.2.2): k_string = Hash(second half of the
     * expansion || h_string), 64 bytes; k = k_string mod L.
     */
    static byte[] nonceString(byte[] expanded, byte[] hString) {
        return sha512(java.util.Arrays.copyOfRange(expanded, 32, 64), hString);
    }

    /**
     * ECVRF_challenge_generation (RFC 9381 section 5.4.3): the first cLen bytes of
     * Hash(suite || 0x02 || Y || H || Gamma || U || V || 0x00).
     */
    static byte[] challenge(byte[] y, byte[] h, byte[] gamma, byte[] u, byte[] v) {
        byte[] hash = sha512(new byte[] {SUITE, 0x02}, y, h, gamma, u, v, new byte[] {0x00});
        return java.util.Arrays.copyOf(hash, C_LEN);
    }

    /** ECVRF_proof_to_hash's last step (RFC 9381 section 5.2): Hash(suite || 0x03 || point_to_string(8 Gamma) || 0x00). */
    static byte[] beta(byte[] cofactorGammaString) {
        return sha512(new byte[] {SUITE, 0x03}, cofactorGammaString, new byte[] {0x00});
    }
}
