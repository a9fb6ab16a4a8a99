package org.leo.consensus.vrf;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * ECVRF-EDWARDS25519-SHA512-TAI, the verifiable random function of RFC 9381 (suite 0x03): whoever
 * holds a 32-byte secret key can compute, for any input alpha, an 80-byte proof pi whose hash beta
 * (64 bytes) is the VRF output; anyone with the public key can check pi and so trust beta.
 *
 * <p>Keys are RFC 8032 Ed25519 keys (the same secret gives the same public key as Ed25519). Proving
 * is constant time in the secret scalar x and the nonce k; verification handles public data only
 * and uses faster variable-time arithmetic. See docs/vrf.md.
 *
 * <p>Arguments are never null (NullPointerException); any byte content of a public key, proof or
 * alpha gives a {@link VrfVerdict}, never an exception.
 */
public final class Ecvrf {
    public static final int SECRET_KEY_BYTES = 32;
    public static final int PUBLIC_KEY_BYTES = 32;
    public static final int PROOF_BYTES = 32 + Suite.C_LEN + Scalars.BYTES;
    public static final int OUTPUT_BYTES = 64;

    private Ecvrf() {
    }

    /** The public key (Y = x B, encoded) of a 32-byte secret key. */
    public static byte[] publicKey(byte[] secretKey) {
        checkSecretKey(secretKey);
        byte[] x = Suite.secretScalar(Suite.expand(secretKey));
        EdPoint y = new EdPoint();
        ScalarMult.baseCt(x, y);
        Arrays.fill(x, (byte) 0);
        return EdPoint.encode(y, true);
    }

    /** ECVRF_prove (RFC 9381 section 5.1): the 80-byte proof pi for alpha. */
    public static byte[] prove(byte[] secretKey, byte[] alpha) {
        return proveTraced(secretKey, alpha, false).pi();
    }

    /** ECVRF_proof_to_hash (RFC 9381 section 5.2) of a proof this side made or already verified. */
    public static byte[] proofToHash(byte[] proof) {
        if (proof.length != PROOF_BYTES) {
            throw new IllegalArgumentException(new VrfVerdict.Invalid(InvalidReason.PROOF_LENGTH, lengths(PROOF_BYTES, proof.length)).toLine());
        }
        EdPoint gamma = new EdPoint();
        InvalidReason bad = decodeProof(proof, gamma);
        if (bad != null) {
            throw new IllegalArgumentException(new VrfVerdict.Invalid(bad).toLine());
        }
        cofactor(gamma);
        return Suite.beta(EdPoint.encode(gamma, false));
    }

    /**
     * ECVRF_verify (RFC 9381 section 5.3) with validate_key: valid with beta, or the first check that
     * failed.
     */
    public static VrfVerdict verify(byte[] publicKey, byte[] proof, byte[] alpha) {
        if (publicKey.length != PUBLIC_KEY_BYTES) {
            return new VrfVerdict.Invalid(InvalidReason.PUBLIC_KEY_LENGTH, lengths(PUBLIC_KEY_BYTES, publicKey.length));
        }
        if (proof.length != PROOF_BYTES) {
            return new VrfVerdict.Invalid(InvalidReason.PROOF_LENGTH, lengths(PROOF_BYTES, proof.length));
        }
        java.util.Objects.requireNonNull(alpha, "alpha");
        EdPoint y = new EdPoint();
        EdPoint.Decoding d = y.decode(publicKey, 0);
        if (d != null) {
            return new VrfVerdict.Invalid(d == EdPoint.Decoding.NOT_CANONICAL
                    ? InvalidReason.PUBLIC_KEY_NOT_CANONICAL : InvalidReason.PUBLIC_KEY_NOT_ON_CURVE);
        }
        EdPoint y8 = BaseTables.copy(y);
        cofactor(y8);
        if (y8.isIdentityVar()) {
            return new VrfVerdict.Invalid(InvalidReason.PUBLIC_KEY_SMALL_ORDER);
        }
        EdPoint gamma = new EdPoint();
        InvalidReason bad = decodeProof(proof, gamma);
        if (bad != null) {
            return new VrfVerdict.Invalid(bad);
        }
        byte[] c = Arrays.copyOfRange(proof, 32, 32 + Suite.C_LEN);
        byte[] s = Arrays.copyOfRange(proof, 32 + Suite.C_LEN, PROOF_BYTES);

        EdPoint h = Suite.encodeToCurve(publicKey, alpha).h();
        Precomp[] gammaOdd = ScalarMult.oddTableVar(gamma);
        EdPoint u = new EdPoint();
        ScalarMult.baseMinusVar(s, c, ScalarMult.oddTableVar(y), u);          // U = s B - c Y
        EdPoint v = new EdPoint();
        ScalarMult.minusVar(s, ScalarMult.oddTableVar(h), c, gammaOdd, v);   // V = s H - c Gamma
        EdPoint gamma8 = gamma;
        cofactor(gamma8);                                                     // for beta

        byte[][] enc = {new byte[32], new byte[32], new byte[32], new byte[32]};
        EdPoint.encode(new EdPoint[] {h, u, v, gamma8}, enc, false);
        byte[] expected = Suite.challenge(publicKey, enc[0], Arrays.copyOf(proof, 32), enc[1], enc[2]);
        if (!MessageDigest.isEqual(expected, c)) {
            return new VrfVerdict.Invalid(InvalidReason.CHALLENGE_MISMATCH);
        }
        return new VrfVerdict.Valid(Suite.beta(enc[3]));
    }

    /**
     * ECVRF_prove with every intermediate kept (see {@link ProofTrace}); {@code withBeta} also
     * computes beta. Constant time in x and k: x B, x H, k B and k H by {@link ScalarMult}'s
     * {@code Ct} methods, k and s by {@link Scalars}, the encodings with the fixed-chain inversion.
     */
    static ProofTrace proveTraced(byte[] secretKey, byte[] alpha, boolean withBeta) {
        checkSecretKey(secretKey);
        byte[] expanded = Suite.expand(secretKey);
        byte[] x = Suite.secretScalar(expanded);
        EdPoint yPoint = new EdPoint();
        ScalarMult.baseCt(x, yPoint);
        byte[] y = EdPoint.encode(yPoint, true);

        Suite.Encoded encoded = Suite.encodeToCurve(y, alpha);        // H depends on public data only
        EdPoint h = encoded.h();
        byte[] hString = EdPoint.encode(h, false);
        Precomp[] hTable = ScalarMult.windowTable(h);

        EdPoint gamma = new EdPoint();
        ScalarMult.varCt(x, hTable, gamma);                          // Gamma = x H
        byte[] kString = Suite.nonceString(expanded, hString);
        byte[] k = Scalars.reduce(kString);
        EdPoint u = new EdPoint();
        ScalarMult.baseCt(k, u);                                     // U = k B
        EdPoint v = new EdPoint();
        ScalarMult.varCt(k, hTable, v);                              // V = k H

        byte[][] enc = {new byte[32], new byte[32], new byte[32]};
        EdPoint.encode(new EdPoint[] {gamma, u, v}, enc, true);
        byte[] c = Suite.challenge(y, hString, enc[0], enc[1], enc[2]);
        byte[] s = Scalars.mulAdd(c, x, k);                          // s = (k + c x) mod L

        byte[] pi = new byte[PROOF_BYTES];
        System.arraycopy(enc[0], 0, pi, 0, 32);
        System.arraycopy(c, 0, pi, 32, Suite.C_LEN);
        System.arraycopy(s, 0, pi, 32 + Suite.C_LEN, Scalars.BYTES);
        byte[] beta = withBeta ? proofToHash(pi) : null;
        ProofTrace trace = new ProofTrace(y, x.clone(), encoded.ctr(), hString, kString.clone(), k.clone(), enc[0], enc[1], enc[2], c, s, pi, beta);
        Arrays.fill(expanded, (byte) 0);
        Arrays.fill(x, (byte) 0);
        Arrays.fill(kString, (byte) 0);
        Arrays.fill(k, (byte) 0);
        return trace;
    }

    /** ECVRF_decode_proof (RFC 9381 section 5.4.4) into gamma: null, or why the proof does not decode. */
    private static InvalidReason decodeProof(byte[] proof, EdPoint gamma) {
        EdPoint.Decoding d = gamma.decode(proof, 0);
        if (d != null) {
            return d == EdPoint.Decoding.NOT_CANONICAL ? InvalidReason.GAMMA_NOT_CANONICAL : InvalidReason.GAMMA_NOT_ON_CURVE;
        }
        if (!Scalars.isReducedVar(proof, 32 + Suite.C_LEN)) {
            return InvalidReason.S_NOT_REDUCED;
        }
        return null;
    }

    private static void cofactor(EdPoint p) {
        p.dbl();
        p.dbl();
        p.dbl();
    }

    private static void checkSecretKey(byte[] secretKey) {
        if (secretKey.length != SECRET_KEY_BYTES) {
            throw new IllegalArgumentException("secret key: " + lengths(SECRET_KEY_BYTES, secretKey.length));
        }
    }

    private static String lengths(int expected, int got) {
        return "expected " + expected + " bytes, got " + got;
    }
}
