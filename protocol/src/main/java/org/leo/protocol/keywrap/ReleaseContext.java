package org.leo.protocol.keywrap;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a released capsule key is for: this task, this capsule, this agent. Both ends build it from
 * what they know (the owner's Pi from the task it scheduled and the certificate the appliance CA
 * issued to the executor's agent; the agent from the task it was given and its own certificate),
 * and {@link AgentKeyWrap} binds it into the key derivation, so a released key opens only for
 * the same three: it cannot be replayed for another task, another capsule or another agent.
 *
 * <p>Encoding ({@link #encode()}, fixed by {@code ReleaseContextTest}): UINT16 length of the task
 * id in UTF-8, the task id, the capsule's SHA-256 digest (32 bytes), the SHA-256 of the agent
 * certificate's DER (32 bytes). Every field has a fixed size or a length, so two different
 * contexts never encode alike.
 *
 * @param taskId                 the task's id, 1..{@link #MAX_TASK_ID_BYTES} bytes of UTF-8
 * @param capsuleDigest          SHA-256 of the capsule as stored (its bytes, wrapped key included)
 * @param agentCertificateSha256 SHA-256 of the DER of the agent certificate the key is released to
 */
public record ReleaseContext(String taskId, byte[] capsuleDigest, byte[] agentCertificateSha256) {
    /** Task ids are short names or UUIDs; 256 bytes is far above any. */
    public static final int MAX_TASK_ID_BYTES = 256;
    public static final int DIGEST_BYTES = 32;
    /** The longest encoding: 2 + 256 + 32 + 32. */
    public static final int MAX_ENCODED_BYTES = 2 + MAX_TASK_ID_BYTES + 2 * DIGEST_BYTES;

    public ReleaseContext {
        Objects.requireNonNull(taskId, "taskId");
        int idBytes = taskId.getBytes(StandardCharsets.UTF_8).length;
        if (idBytes == 0 || idBytes > MAX_TASK_ID_BYTES) {
            throw new IllegalArgumentException("task id: expected 1.." + MAX_TASK_ID_BYTES + " bytes of UTF-8, got " + idBytes);
        }
        capsuleDigest = checkDigest("capsule digest", capsuleDigest);
        agentCertificateSha256 = checkDigest("agent certificate SHA-256", agentCertificateSha256);
    }

    /**
     * The task id of the ledger's task {@code taskSeq} in a context: "task-" and the seq in decimal. The
     * executor's agent builds it from the seq of the task it was assigned, so a key released for one
     * task cannot be handed to it under another.
     */
    public static String taskId(long taskSeq) {
        return "task-" + Long.toUnsignedString(taskSeq);
    }

    /** The context for releasing the key of capsule {@code capsuleDigest} for {@code taskId} to the holder of {@code agent}. */
    public static ReleaseContext of(String taskId, byte[] capsuleDigest, X509Certificate agent) {
        try {
            return new ReleaseContext(taskId, capsuleDigest, sha256(agent.getEncoded()));
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("the agent certificate has no DER encoding: " + e.getMessage(), e);
        }
    }

    /** The bytes {@link AgentKeyWrap} binds: see the class comment. */
    public byte[] encode() {
        byte[] id = taskId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(2 + id.length + 2 * DIGEST_BYTES).putShort((short) id.length).put(id)
                .put(capsuleDigest).put(agentCertificateSha256).array();
    }

    @Override
    public byte[] capsuleDigest() {
        return capsuleDigest.clone();
    }

    @Override
    public byte[] agentCertificateSha256() {
        return agentCertificateSha256.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReleaseContext c && java.util.Arrays.equals(encode(), c.encode());
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(encode());
    }

    @Override
    public String toString() {
        return "ReleaseContext[task=" + taskId + ", capsule=" + HexFormat.of().formatHex(capsuleDigest)
                + ", agent certificate=" + HexFormat.of().formatHex(agentCertificateSha256) + "]";
    }

    private static byte[] checkDigest(String what, byte[] digest) {
        Objects.requireNonNull(digest, what);
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException(what + ": expected " + DIGEST_BYTES + " bytes, got " + digest.length);
        }
        return digest.clone();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
