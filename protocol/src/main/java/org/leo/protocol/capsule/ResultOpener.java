package org.leo.protocol.capsule;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;

/**
 * The task owner's side of a {@link ResultCapsule}: checks, in this order, each with its own code, that
 * the capsule is of the expected task and part, was signed by the key of the agent certificate it names
 * ({@code agent-certificate-mismatch}, {@code bad-signature}), is for this recipient
 * ({@code wrong-recipient}), and that its payload is the one it names ({@code payload-digest-mismatch});
 * then unwraps the key with the recipient's TPM ({@link Unwrapper}, {@code Tpm::unwrap} on the owner's
 * Pi), decrypts ({@code decryption-failed}) and checks the plaintext's SHA-256
 * ({@code plaintext-digest-mismatch}). JCA only.
 */
public final class ResultOpener {
    private static final HexFormat HEX = HexFormat.of();

    /** Unwraps the AES key wrapped to the recipient (the owner Pi's {@code Tpm::unwrap}). */
    @FunctionalInterface
    public interface Unwrapper {
        byte[] unwrap(byte[] wrapped) throws Exception;
    }

    private ResultOpener() {
    }

    /** What needs no key: task, part, certificate, signature, recipient, payload address. */
    public static void checkSealed(ResultCapsule c, long taskSeq, ResultCapsule.Part part, X509Certificate agentCertificate,
                                   byte[] recipientSpki) throws ResultCapsuleException {
        if (c.taskSeq() != taskSeq || c.part() != part) {
            throw new ResultCapsuleException("wrong-task", "the capsule is the " + c.part() + " of task " + Long.toUnsignedString(c.taskSeq())
                    + ", expected the " + part + " of task " + Long.toUnsignedString(taskSeq));
        }
        byte[] certSha;
        try {
            certSha = ContentAddress.sha256().digest(agentCertificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new ResultCapsuleException("agent-certificate-mismatch", "the agent certificate has no DER encoding");
        }
        if (!MessageDigest.isEqual(certSha, c.agentCertificateSha256())) {
            throw new ResultCapsuleException("agent-certificate-mismatch", "the capsule names agent certificate "
                    + HEX.formatHex(c.agentCertificateSha256()) + ", the task ran on " + HEX.formatHex(certSha));
        }
        if (!signatureValid(c, agentCertificate)) {
            throw new ResultCapsuleException("bad-signature", "the agent's signature does not verify over the header");
        }
        byte[] recipient = ContentAddress.sha256().digest(recipientSpki);
        if (!MessageDigest.isEqual(recipient, c.recipientSha256())) {
            throw new ResultCapsuleException("wrong-recipient", "sealed for wrap key " + HEX.formatHex(c.recipientSha256())
                    + ", this one is " + HEX.formatHex(recipient));
        }
        byte[] address = ContentAddress.sha256().digest(c.payloadArray());
        if (!MessageDigest.isEqual(address, c.payloadSha256())) {
            throw new ResultCapsuleException("payload-digest-mismatch", "expected " + HEX.formatHex(c.payloadSha256()) + ", got "
                    + HEX.formatHex(address));
        }
    }

    /** The plaintext, once every check has passed. */
    public static byte[] open(ResultCapsule c, long taskSeq, ResultCapsule.Part part, X509Certificate agentCertificate,
                              byte[] recipientSpki, Unwrapper unwrapper) throws ResultCapsuleException {
        checkSealed(c, taskSeq, part, agentCertificate, recipientSpki);
        byte[] key;
        try {
            key = unwrapper.unwrap(c.wrappedKey());
        } catch (Exception e) {
            throw new ResultCapsuleException("unwrap-failed", "the recipient could not unwrap the key: " + e.getMessage());
        }
        try {
            if (key == null || key.length != 32) {
                throw new ResultCapsuleException("unwrap-failed", "the unwrapped key is " + (key == null ? 0 : key.length)
                        + " bytes, expected 32");
            }
            byte[] plaintext;
            try {
                plaintext = ResultSealer.gcm(Cipher.DECRYPT_MODE, key, c).doFinal(c.payloadArray());
            } catch (AEADBadTagException e) {
                throw new ResultCapsuleException("decryption-failed", "the GCM tag does not match");
            } catch (GeneralSecurityException e) {
                throw new ResultCapsuleException("decryption-failed", e.getMessage());
            }
            byte[] digest = ContentAddress.sha256().digest(plaintext);
            if (!MessageDigest.isEqual(digest, c.plaintextSha256())) {
                throw new ResultCapsuleException("plaintext-digest-mismatch", "expected " + HEX.formatHex(c.plaintextSha256()) + ", got "
                        + HEX.formatHex(digest));
            }
            return plaintext;
        } finally {
            if (key != null) {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    static boolean signatureValid(ResultCapsule c, X509Certificate agentCertificate) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initVerify(agentCertificate.getPublicKey());
            s.update(c.signedBytes());
            return s.verify(c.signature());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a malformed signature, a key that is not EC
        }
    }
}
