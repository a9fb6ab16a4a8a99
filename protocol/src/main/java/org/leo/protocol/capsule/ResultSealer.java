package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.crypto.Cipher;
import org.leo.protocol.tpm.WrapKey;

/**
 * Seals a task's output for the task owner's Pi ({@link ResultCapsule}): a fresh AES-256 key and nonce
 * per capsule, the key wrapped at once to the owner Pi's TPM wrap key ({@link WrapKey#wrap(PublicKey, byte[])},
 * plain JCA) and forgotten, the header signed with the agent's key. The agent itself cannot open what
 * it sealed.
 */
public final class ResultSealer {
    private static final SecureRandom RANDOM = new SecureRandom();

    private ResultSealer() {
    }

    /**
     * {@code plaintext} as a result capsule of {@code part} of task {@code taskSeq}, for the holder of
     * {@code recipient} (an RSA-2048 wrap key, SubjectPublicKeyInfo DER {@code recipientSpki}), signed by
     * {@code agentKey}, the key of {@code agentCertificate}.
     *
     * @throws IllegalArgumentException a recipient that is not an RSA-2048 key, an agent key that cannot sign ECDSA
     */
    public static byte[] seal(byte[] plaintext, ResultCapsule.Part part, long taskSeq, PublicKey recipient,
                              X509Certificate agentCertificate, PrivateKey agentKey) {
        byte[] key = new byte[32];
        byte[] nonce = new byte[ResultCapsule.NONCE_BYTES];
        RANDOM.nextBytes(key);
        RANDOM.nextBytes(nonce);
        try {
            byte[] wrapped = WrapKey.wrap(recipient, key);
            byte[] certSha;
            try {
                certSha = ContentAddress.sha256().digest(agentCertificate.getEncoded());
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("the agent certificate has no DER encoding: " + e.getMessage(), e);
            }
            byte[] recipientSha = ContentAddress.sha256().digest(recipient.getEncoded());
            byte[] plainSha = ContentAddress.sha256().digest(plaintext);
            ResultCapsule bound = new ResultCapsule(part, taskSeq, certSha, recipientSha, plainSha, plaintext.length, nonce, wrapped,
                    new byte[32], new byte[ResultCapsule.MIN_SIGNATURE_BYTES], new byte[0]);
            byte[] payload = gcm(Cipher.ENCRYPT_MODE, key, bound).doFinal(plaintext);
            ResultCapsule unsigned = new ResultCapsule(part, taskSeq, certSha, recipientSha, plainSha, plaintext.length, nonce, wrapped,
                    ContentAddress.sha256().digest(payload), new byte[ResultCapsule.MIN_SIGNATURE_BYTES], payload);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(agentKey);
            s.update(unsigned.signedBytes());
            return unsigned.withSignature(s.sign()).encode();
        } catch (java.security.InvalidKeyException e) {
            throw new IllegalArgumentException("the agent key cannot sign ECDSA P-256: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot seal with AES-GCM and ECDSA: " + e.getMessage(), e);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /** AES-256-GCM with the capsule's nonce, a 128-bit tag and its additional data. */
    static Cipher gcm(int mode, byte[] key, ResultCapsule header) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(mode, new javax.crypto.spec.SecretKeySpec(key, "AES"), new javax.crypto.spec.GCMParameterSpec(8 * ResultCapsule.TAG_BYTES,
                header.nonce()));
        c.updateAAD(header.additionalData());
        return c;
    }
}
