package org.leo.protocol.tpm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The TPM's key derivation functions (TPM 2.0 Part 1, 11.4.10): KDFa, the SP800-108 counter-mode
 * KDF with HMAC, and KDFe, the SP800-56A concatenation KDF used after ECDH. Labels are ASCII strings
 * that the functions terminate with a zero byte, as the TPM does ("STORAGE" is hashed as
 * "STORAGE\0").
 */
final class Kdf {
    private Kdf() {
    }

    /**
     * KDFa(hashAlg, key, label, contextU, contextV, bits) (Part 1, 11.4.10.2): the first
     * {@code bits} bits (a multiple of 8 here) of HMAC_key(i || label || 0 || contextU || contextV || bits)
     * for i = 1, 2, ... (UINT32 big-endian counter and bit count).
     */
    static byte[] kdfa(int hashAlg, byte[] key, String label, byte[] contextU, byte[] contextV, int bits) {
        checkBits(bits);
        if (key.length == 0) {
            throw new IllegalArgumentException("KDFa needs a non-empty key");
        }
        try {
            Mac mac = Mac.getInstance("Hmac" + TpmPublic.jcaDigest(hashAlg).replace("-", ""));
            mac.init(new SecretKeySpec(key, mac.getAlgorithm()));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int counter = 1; out.size() < bits / 8; counter++) {
                mac.update(u32(counter));
                mac.update(label(label));
                mac.update(contextU);
                mac.update(contextV);
                mac.update(u32(bits));
                out.writeBytes(mac.doFinal());
            }
            return Arrays.copyOf(out.toByteArray(), bits / 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC with " + TpmAlgorithms.name(hashAlg) + " is not available", e);
        }
    }

    /**
     * KDFe(hashAlg, Z, label, partyUInfo, partyVInfo, bits) (Part 1, 11.4.10.3): the first
     * {@code bits} bits of H(i || Z || label || 0 || partyUInfo || partyVInfo) for i = 1, 2, ...
     */
    static byte[] kdfe(int hashAlg, byte[] z, String label, byte[] partyU, byte[] partyV, int bits) {
        checkBits(bits);
        try {
            MessageDigest md = MessageDigest.getInstance(TpmPublic.jcaDigest(hashAlg));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int counter = 1; out.size() < bits / 8; counter++) {
                md.update(u32(counter));
                md.update(z);
                md.update(label(label));
                md.update(partyU);
                md.update(partyV);
                out.writeBytes(md.digest());
            }
            return Arrays.copyOf(out.toByteArray(), bits / 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(TpmAlgorithms.name(hashAlg) + " is not available", e);
        }
    }

    private static void checkBits(int bits) {
        if (bits <= 0 || bits % 8 != 0) {
            throw new IllegalArgumentException("KDF output must be a positive multiple of 8 bits, got " + bits);
        }
    }

    /** The label as the TPM hashes it: its bytes and a terminating zero. */
    static byte[] label(String label) {
        byte[] ascii = label.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(ascii, ascii.length + 1);
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
}
