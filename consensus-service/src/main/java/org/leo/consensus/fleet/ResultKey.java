package org.leo.consensus.fleet;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.protocol.capsule.ResultRecipientStatement;
import org.leo.protocol.capsule.TaskCapsuleList;

/**
 * The key a task's result is sealed to: a data owner's Pi's TPM wrap key (an RSA-2048 decryption key that only that
 * TPM uses, docs/key-release.md), as the owner's Pi hands it out with a released key, signed by its member key over
 * <pre>
 *   "leo-result-key-v2\0" || task seq (8 bytes, big-endian) || SHA-256(SubjectPublicKeyInfo DER) || capsule list digest
 * </pre>
 * ({@link ResultRecipientStatement}), the capsule list being the task's as this Pi's ledger records it ({@link #capsuleList}).
 * The executor's Pi checks it with {@link #verify} against the capsule owner's member key, its agent again (JCA) with
 * the digest of the capsules it was handed: a key that the owner's Pi did not sign for this task and this list is
 * refused, so nobody between can swap in its own key, nor add a capsule of its own to have a copy sealed to it.
 */
public final class ResultKey {
    private ResultKey() {
    }

    /** What the owner's member key signs: {@link ResultRecipientStatement#signedBytes}, what the agent checks. */
    public static byte[] signedBytes(long taskSeq, byte[] spkiDer, byte[] capsuleListDigest) {
        return ResultRecipientStatement.signedBytes(taskSeq, spkiDer, capsuleListDigest);
    }

    /**
     * The {@link TaskCapsuleList#digest} of {@code task}'s capsules as the ledger records them: its data capsules in order,
     * then its service's code capsule (the order the executor's Pi assigns them in, DispatchHpcTasks).
     */
    public static byte[] capsuleList(LedgerRecord.TaskSubmitted task, LedgerRecord.ServicePublished service) {
        List<byte[]> addresses = new ArrayList<>(task.dataCapsules());
        addresses.add(service.codeCapsuleSha256());
        return TaskCapsuleList.digest(addresses);
    }

    /**
     * The result key of task {@code taskSeq} with capsule list {@code capsuleListDigest}, if {@code signature} is the
     * owner's ({@code ownerMemberKey}) over it and it is an RSA-2048 public key; empty otherwise.
     */
    public static Optional<RSAPublicKey> verify(byte[] ownerMemberKey, long taskSeq, byte[] spkiDer, byte[] capsuleListDigest, byte[] signature) {
        if (ownerMemberKey.length != Ed25519.PUBLIC_KEY_SIZE || signature.length != Ed25519.SIGNATURE_SIZE
                || spkiDer.length > FleetLimits.MAX_SPKI_BYTES || capsuleListDigest.length != 32) {
            return Optional.empty();
        }
        byte[] m = signedBytes(taskSeq, spkiDer, capsuleListDigest);
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
