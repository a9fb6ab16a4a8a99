package org.leo.protocol.capsule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The task owner's word that a wrap key is where its task's result goes: Ed25519 by the owner's fleet
 * member key over {@code "leo-result-key-v1\0" || task seq (8 bytes, big-endian) || SHA-256(wrap key
 * SubjectPublicKeyInfo DER)}. The owner's Pi signs it; the executor's agent checks it (JCA Ed25519)
 * before it runs anything, so a Pi in between cannot have the result sealed to a key of its own.
 */
public final class ResultRecipientStatement {
    public static final String DOMAIN = "leo-result-key-v1";
    public static final int MEMBER_KEY_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;

    private ResultRecipientStatement() {
    }

    /** What the owner signs. */
    public static byte[] signedBytes(long taskSeq, byte[] wrapKeySpki) {
        byte[] domain = (DOMAIN + "\0").getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(domain.length + 8 + 32).put(domain).putLong(taskSeq)
                .put(ContentAddress.sha256().digest(wrapKeySpki)).array();
    }

    /** True if {@code signature} is {@code ownerMemberKey}'s (32 raw bytes) over the statement; false for anything malformed. */
    public static boolean verify(byte[] ownerMemberKey, long taskSeq, byte[] wrapKeySpki, byte[] signature) {
        return JcaEd25519.verify(ownerMemberKey, signedBytes(taskSeq, wrapKeySpki), signature);
    }
}
