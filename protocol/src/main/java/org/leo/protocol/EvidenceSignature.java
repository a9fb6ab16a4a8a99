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

    /**
     * Verification runs on the appliance, many times a second, with BouncyCastle's implementation
     * through JCA: measured here, a P-256 verification takes 161 us with it and 1979 us with the
     * JDK 17 provider, which capped a 2-core server at ~200 agents challenged once a second
     * (docs/benchmarks.md). An instance, not a global registration; in a holder class, so the
     * agent, which only signs, never loads BouncyCastle (and needs no BouncyCastle jar).
     */
    private static final class Bc {
        static final java.security.Provider PROVIDER = new org.bouncycastle.jce.provider.BouncyCastleProvider();
    }

    /**
     * System property: {@code jdk} (the default: the agent's runtime has no BouncyCastle) or
     * {@code bc}, for one JVM that signs for hundreds of simulated agents (the capacity benchmark),
     * where the JDK 17's ~2 ms per signature would take the cores the measured server needs.
     */
    public static final String SIGNER_PROPERTY = "leo.evidence.signer";
    private static final boolean SIGN_WITH_BC = "bc".equals(System.getProperty(SIGNER_PROPERTY, "jdk"));

    /**
     * Signs with SHA256withECDSA over the domain prefix and the body: on the agent, one signature
     * per answer, by the JDK. The appliance verifies it as BouncyCastle's raw ECDSA over the same
     * SHA-256, which is the same signature.
     */
    public static byte[] sign(PrivateKey key, byte[] body) throws GeneralSecurityException {
        if (SIGN_WITH_BC) {
            Signature s = Signature.getInstance("NONEwithECDSA", Bc.PROVIDER);
            s.initSign(key);
            s.update(digest(body));
            return s.sign();
        }
        Signature s = Signature.getInstance(ALGORITHM);
        s.initSign(key);
        s.update(DOMAIN);
        s.update(body);
        return s.sign();
    }

    /**
     * {@code key} in the form verification is fastest with: BouncyCastle's own key, whose curve point
     * keeps its precomputed multiples between verifications. Convert once per certificate.
     */
    public static PublicKey verifierKey(PublicKey key) throws GeneralSecurityException {
        return (PublicKey) java.security.KeyFactory.getInstance("EC", Bc.PROVIDER).translateKey(key);
    }

    static byte[] digest(byte[] body) {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            md.update(DOMAIN);
            md.update(body);
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True if {@code signature} is {@code key}'s over {@code body}; false for a wrong or malformed signature. */
    public static boolean verify(PublicKey key, byte[] body, byte[] signature) {
        if (signature.length == 0 || signature.length > MAX_SIGNATURE_BYTES) {
            return false;
        }
        try {
            Signature s = Signature.getInstance("NONEwithECDSA", Bc.PROVIDER);
            s.initVerify(key);
            s.update(digest(body));
            return s.verify(signature);
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // malformed DER and the like: not a valid signature
        }
    }
}
