package org.leo.protocol;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * The signature on an {@code Evidence} message: ECDSA P-256 with SHA-256 (DER) over
 * {@code "leo-evidence-v1\0" || body}. The domain prefix keeps an evidence signature from being
 * usable as any other signature made with the same key (the TLS handshake, a CSR).
 */
public final class EvidenceSignature {
    public static final String ALGORITHM = "SHA256withECDSA";
    static final byte[] DOMAIN = "leo-evidence-v1\0".getBytes(StandardCharsets.US_ASCII);
    /** A DER ECDSA P-256 signature is at most 72 bytes; anything longer is refused unparsed. */
    public static final int MAX_SIGNATURE_BYTES = 80;

    private EvidenceSignature() {
    }

    public static byte[] sign(PrivateKey key, byte[] body) throws GeneralSecurityException {
        Signature s = Signature.getInstance(ALGORITHM);
        s.initSign(key);
        s.update(DOMAIN);
        s.update(body);
        return s.sign();
    }

    /** True if {@code signature} is {@code key}'s over {@code body}; false for a wrong or malformed signature. */
    public static boolean verify(PublicKey key, byte[] body, byte[] signature) {
        if (signature.length == 0 || signature.length > MAX_SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(DOMAIN);
            s.update(body);
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // malformed DER and the like: not a valid signature
        }
    }
}
