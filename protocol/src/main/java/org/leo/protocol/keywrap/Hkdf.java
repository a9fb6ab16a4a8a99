package org.leo.protocol.keywrap;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), over the JDK's {@code HmacSHA256}: the JDK 17 has no HKDF of
 * its own, and the agent carries no BouncyCastle. {@code HkdfTest} checks RFC 5869's test cases 1-3.
 */
final class Hkdf {
    /** HashLen of SHA-256. */
    static final int HASH_BYTES = 32;
    /** RFC 5869, 2.3: L <= 255 * HashLen. */
    static final int MAX_OUTPUT_BYTES = 255 * HASH_BYTES;

    private Hkdf() {
    }

    /** HKDF-Extract(salt, IKM) = HMAC-SHA256(salt, IKM); an empty salt is HashLen zero bytes (RFC 5869, 2.2). */
    static byte[] extract(byte[] salt, byte[] ikm) {
        Mac mac = hmac(salt.length == 0 ? new byte[HASH_BYTES] : salt);
        return mac.doFinal(ikm);
    }

    /** HKDF-Expand(PRK, info, L): T(1) || T(2) || ... cut to L bytes, T(i) = HMAC(PRK, T(i-1) || info || i) (RFC 5869, 2.3). */
    static byte[] expand(byte[] prk, byte[] info, int length) {
        if (prk.length < HASH_BYTES) {
            throw new IllegalArgumentException("HKDF-Expand: PRK must be at least " + HASH_BYTES + " bytes, got " + prk.length);
        }
        if (length < 1 || length > MAX_OUTPUT_BYTES) {
            throw new IllegalArgumentException("HKDF-Expand: L must be 1.." + MAX_OUTPUT_BYTES + ", got " + length);
        }
        Mac mac = hmac(prk);
        byte[] out = new byte[length];
        byte[] t = new byte[0];
        for (int i = 1, filled = 0; filled < length; i++) {
            mac.update(t);
            mac.update(info);
            mac.update((byte) i);
            t = mac.doFinal();
            int n = Math.min(t.length, length - filled);
            System.arraycopy(t, 0, out, filled, n);
            filled += n;
        }
        Arrays.fill(t, (byte) 0);
        return out;
    }

    /** HKDF(salt, IKM, info, L) = HKDF-Expand(HKDF-Extract(salt, IKM), info, L). */
    static byte[] derive(byte[] salt, byte[] ikm, byte[] info, int length) {
        byte[] prk = extract(salt, ikm);
        try {
            return expand(prk, info, length);
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (InvalidKeyException e) {
            throw new IllegalArgumentException("HMAC-SHA256 refuses the key: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
