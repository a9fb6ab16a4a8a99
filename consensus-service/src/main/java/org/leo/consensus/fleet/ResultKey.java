package org.leo.consensus.fleet;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.protocol.capsule.ResultRecipientStatement;

/**
 * The key a task's result is sealed to: the task owner's Pi's TPM wrap key (an RSA-2048 decryption key that only that
 * TPM uses, docs/key-release.md), as the owner's Pi hands it out with a released key, signed by its member key over
 * <pre>
 *   "leo-result-key-v1\0" || task seq (8 bytes, big-endian) || SHA-256(SubjectPublicKeyInfo DER)
 * </pre>
 * The executor's agent checks it with {@link #verify} against the task owner's member key on the ledger before it seals
 * the result: a key that the owner's Pi did not sign for this task is refused, so nobody between can swap in its own.
 */
public final class ResultKey {
    private ResultKey() {
    }

    /** What the owner's member key signs: {@link ResultRecipientStatement#signedBytes}, what the agent checks. */
    public static byte[] signedBytes(long taskSeq, byte[] spkiDer) {
        return ResultRecipientStatement.signedBytes(taskSeq, spkiDer);
    }

    /**
     * The result key of task {@code taskSeq}, if {@code signature} is the task owner's ({@code ownerMemberKey}) over it and
     * it is an RSA-2048 public key; empty otherwise.
     */
    public static Optional<RSAPublicKey> verify(byte[] ownerMemberKey, long taskSeq, byte[] spkiDer, byte[] signature) {
        if (ownerMemberKey.length != Ed25519.PUBLIC_KEY_SIZE || signature.length != Ed25519.SIGNATURE_SIZE
                || spkiDer.length > FleetLimits.MAX_SPKI_BYTES) {
            return Optional.empty();
        }
        byte[] m = signedBytes(taskSeq, spkiDer);
        if (!Ed25519.verify(signature, 0, ownerMemberKey, 0, m, 0, m.length)) {
            return Optional.empty();
        }
        try {
            PublicKey k = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(spkiDer));
            return k instanceof RSAPublicKey r && r.getModulus().bitLength() == 2048 ? Optional.of(r) : Optional.empty();
        } catch (GeneralSecurityException e) {
            return Optional.empty();
        }
    }
}
