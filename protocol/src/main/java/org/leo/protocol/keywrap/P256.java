package org.leo.protocol.keywrap;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.interfaces.ECKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;

/**
 * NIST P-256 (secp256r1) points in the SEC 1 uncompressed encoding (SEC 1 v2, 2.3.3), with the
 * checks JCA leaves out: the JDK's {@code KeyFactory} accepts a point that is not on the curve
 * (only SunEC's ECDH refuses it later, and another provider may not), so a received point is
 * checked here before it becomes a key. P-256 has cofactor 1, so every affine point on the curve
 * is in the prime-order group: on-curve and not infinity is the whole public-key validation
 * (SEC 1 v2, 3.2.2.1; NIST SP 800-56A rev. 3, 5.6.2.3.3).
 */
final class P256 {
    /** A coordinate: 256 bits. */
    static final int COORDINATE_BYTES = 32;
    /** 0x04 || X || Y. */
    static final int POINT_BYTES = 1 + 2 * COORDINATE_BYTES;
    static final ECParameterSpec SPEC = spec();
    private static final BigInteger P = ((ECFieldFp) SPEC.getCurve().getField()).getP();

    private P256() {
    }

    /**
     * The public key at {@code encoded[offset..offset+65)}, or a sentence naming what is wrong with
     * it, prefixed by {@code what}: the point at infinity (prefix 0x00), a compressed point
     * (0x02, 0x03), any other prefix, a coordinate not below the field prime, a point off the curve.
     */
    static ECPublicKey decode(String what, byte[] encoded, int offset) throws KeyWrapException {
        int prefix = encoded[offset] & 0xFF;
        switch (prefix) {
            case 0x04 -> {
            }
            case 0x00 -> throw new KeyWrapException(what + " is the point at infinity (prefix 0x00)");
            case 0x02, 0x03 -> throw new KeyWrapException(what + " is compressed (prefix 0x0" + prefix + "), expected uncompressed (0x04)");
            default -> throw new KeyWrapException(String.format("%s has prefix 0x%02x, expected 0x04 (uncompressed)", what, prefix));
        }
        BigInteger x = new BigInteger(1, java.util.Arrays.copyOfRange(encoded, offset + 1, offset + 1 + COORDINATE_BYTES));
        BigInteger y = new BigInteger(1, java.util.Arrays.copyOfRange(encoded, offset + 1 + COORDINATE_BYTES, offset + POINT_BYTES));
        if (x.compareTo(P) >= 0 || y.compareTo(P) >= 0) {
            throw new KeyWrapException(what + " has a coordinate that is not below the field prime");
        }
        ECPoint w = new ECPoint(x, y);
        if (!onCurve(w)) {
            throw new KeyWrapException(what + " is not a point on P-256");
        }
        try {
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, SPEC));
        } catch (GeneralSecurityException e) {
            throw new KeyWrapException(what + " is not a valid P-256 public key: " + e.getMessage());
        }
    }

    /** The uncompressed encoding 0x04 || X || Y, coordinates left-padded to 32 bytes. */
    static byte[] encode(ECPublicKey key) {
        ECPoint w = key.getW();
        byte[] out = new byte[POINT_BYTES];
        out[0] = 0x04;
        fixed(w.getAffineX(), out, 1);
        fixed(w.getAffineY(), out, 1 + COORDINATE_BYTES);
        return out;
    }

    /** y^2 == x^3 + ax + b (mod p). */
    static boolean onCurve(ECPoint w) {
        BigInteger x = w.getAffineX();
        BigInteger y = w.getAffineY();
        BigInteger right = x.pow(3).add(SPEC.getCurve().getA().multiply(x)).add(SPEC.getCurve().getB()).mod(P);
        return y.pow(2).mod(P).equals(right);
    }

    /** Whether {@code key} is an EC key on P-256 (same field, coefficients, base point and order). */
    static boolean isP256(Key key) {
        if (!(key instanceof ECKey ec) || ec.getParams() == null) {
            return false;
        }
        ECParameterSpec s = ec.getParams();
        return s.getCurve().equals(SPEC.getCurve()) && s.getGenerator().equals(SPEC.getGenerator())
                && s.getOrder().equals(SPEC.getOrder()) && s.getCofactor() == SPEC.getCofactor();
    }

    /** "an EC key on a 384-bit curve", "a key of type RSA": for messages. */
    static String describe(Key key) {
        if (key instanceof ECKey ec && ec.getParams() != null) {
            return "an EC key on a " + ec.getParams().getCurve().getField().getFieldSize() + "-bit curve";
        }
        return "a key of type " + key.getAlgorithm();
    }

    private static void fixed(BigInteger v, byte[] out, int offset) {
        byte[] raw = v.toByteArray();
        int n = Math.min(raw.length, COORDINATE_BYTES);
        System.arraycopy(raw, raw.length - n, out, offset + COORDINATE_BYTES - n, n);
    }

    private static ECParameterSpec spec() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has secp256r1", e);
        }
    }
}
