package org.leo.protocol.capsule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A data owner's word that a wrap key is where its copy of a task's result goes, for that task's capsule list as the
 * ledger records it: Ed25519 by the owner's fleet member key over
 * <pre>
 *   "leo-result-key-v2\0" || task seq (8 bytes, big-endian) || SHA-256(wrap key SubjectPublicKeyInfo DER)
 *                         || {@link TaskCapsuleList#digest} of the task's capsules (32 bytes)
 * </pre>
 * The owner's Pi signs it at key release, the capsule list from its own ledger; the executor's agent checks it (JCA
 * Ed25519) with the digest of its assignment's capsule list before it opens or runs anything. So a Pi in between cannot
 * have the result sealed to a key of its own, nor add a capsule (and its owner as a recipient) to a task of others' data.
 */
public final class ResultRecipientStatement {
    public static final String DOMAIN = "leo-result-key-v2";
    public static final int MEMBER_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private ResultRecipientStatement() {
    }

    /** What the owner signs; {@code capsuleListDigest} is {@link TaskCapsuleList#digest} (32 bytes). */
    public static byte[] signedBytes(long taskSeq, byte[] wrapKeySpki, byte[] capsuleListDigest) {
        if (capsuleListDigest.length != 32) {
            throw new IllegalArgumentException("the capsule list digest is " + capsuleListDigest.length + " bytes, expected 32");
        }
        byte[] domain = (DOMAIN + "\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(domain.length + 8 + 32 + 32).put(domain).putLong(taskSeq)
                .put(ContentAddress.sha256().digest(wrapKeySpki)).put(capsuleListDigest).array();
    }

    /**
     * True if {@code signature} is {@code ownerMemberKey}'s (32 raw bytes) over the statement for {@code capsuleListDigest};
     * false for anything malformed.
     */
    public static boolean verify(byte[] ownerMemberKey, long taskSeq, byte[] wrapKeySpki, byte[] capsuleListDigest, byte[] signature) {
        return capsuleListDigest.length == 32 && JcaEd25519.verify(ownerMemberKey, signedBytes(taskSeq, wrapKeySpki, capsuleListDigest), signature);
    }
}
