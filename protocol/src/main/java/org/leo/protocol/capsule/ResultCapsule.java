package org.leo.protocol.capsule;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A task's result sealed by the executor's agent for the task owner's Pi (docs/tasks.md "The task on
 * the agent's protocol"): an AES-256-GCM payload under a fresh key, the key wrapped with RSA-OAEP-SHA256
 * to the owner Pi's TPM wrap key (exactly what {@code Tpm.unwrap} opens), and a header signed by the
 * agent's certificate key (ECDSA P-256). JCA only: the agent has no BouncyCastle.
 *
 * <pre>
 * offset  size  field
 *      0     8  magic "LEORES1\0"
 *      8     1  version, 1
 *      9     1  part: 1 result (/work/result), 2 stdout, 3 stderr
 *     10     8  task seq, big-endian
 *     18    32  SHA-256 of the agent certificate's DER (whose key signs)
 *     50    32  SHA-256 of the recipient's wrap key, SubjectPublicKeyInfo DER
 *     82    32  SHA-256 of the plaintext
 *    114     8  plaintext size, big-endian
 *    122    12  AES-GCM nonce
 *    134   256  the AES key, RSAES-OAEP (SHA-256, MGF1-SHA-256, label "leo-capsule-key-v1\0")
 *    390    32  SHA-256 of the payload: its content address
 *    422     1  S, the signature's length, 8..72
 *    423     S  ECDSA P-256 / SHA-256 (DER) over "leo-result-v1\0" || bytes 8..421
 *  423+S     8  P, the payload's length: plaintext size + 16
 *  431+S     P  the payload: ciphertext, then the 16-byte GCM tag
 * </pre>
 * The GCM additional data is "leo-result-aad-v1\0" || bytes 8..389 (everything the signature covers but
 * the payload's address, which is the hash of the ciphertext). Nothing follows the payload. {@link #parse}
 * is a pure function of untrusted bytes: every length is checked before it is used.
 */
public final class ResultCapsule {
    public static final byte[] MAGIC = "LEORES1\0".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    static final byte[] SIGNED_PREFIX = "leo-result-v1\0".getBytes(StandardCharsets.US_ASCII);
    static final byte[] AAD_PREFIX = "leo-result-aad-v1\0".getBytes(StandardCharsets.US_ASCII);
    public static final int WRAPPED_KEY_BYTES = 256;
    public static final int NONCE_BYTES = 12;
    /** Bytes 8..421: version to payload address. */
    static final int SIGNED_FIELDS = 1 + 1 + 8 + 32 + 32 + 32 + 8 + NONCE_BYTES + WRAPPED_KEY_BYTES + 32;
    /** Bytes 8..389: the signed fields but the payload address. */
    static final int AAD_FIELDS = SIGNED_FIELDS - 32;
    /** A DER ECDSA P-256 signature: SEQUENCE of two INTEGERs of 1..33 bytes. */
    public static final int MIN_SIGNATURE_BYTES = 8;
    public static final int MAX_SIGNATURE_BYTES = 72;
    public static final int TAG_BYTES = 16;

    /** Which of the guest's outputs a capsule holds: signed, so one cannot pass for another. */
    public enum Part {
        RESULT(1), STDOUT(2), STDERR(3);

        private final int code;

        Part(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Part of(int code) throws ResultCapsuleException {
            for (Part p : values()) {
                if (p.code == code) {
                    return p;
                }
            }
            throw new ResultCapsuleException("malformed", "part " + code + " is none of 1 result, 2 stdout, 3 stderr");
        }
    }

    private final Part part;
    private final long taskSeq;
    private final byte[] agentCertificateSha256;
    private final byte[] recipientSha256;
    private final byte[] plaintextSha256;
    private final long plaintextSize;
    private final byte[] nonce;
    private final byte[] wrappedKey;
    private final byte[] payloadSha256;
    private final byte[] signature;
    private final byte[] payload;

    ResultCapsule(Part part, long taskSeq, byte[] agentCertificateSha256, byte[] recipientSha256, byte[] plaintextSha256,
                  long plaintextSize, byte[] nonce, byte[] wrappedKey, byte[] payloadSha256, byte[] signature, byte[] payload) {
        this.part = Objects.requireNonNull(part, "part");
        this.taskSeq = taskSeq;
        this.agentCertificateSha256 = exact(agentCertificateSha256, 32, "agent certificate SHA-256");
        this.recipientSha256 = exact(recipientSha256, 32, "recipient SHA-256");
        this.plaintextSha256 = exact(plaintextSha256, 32, "plaintext SHA-256");
        this.plaintextSize = plaintextSize;
        this.nonce = exact(nonce, NONCE_BYTES, "nonce");
        this.wrappedKey = exact(wrappedKey, WRAPPED_KEY_BYTES, "wrapped key");
        this.payloadSha256 = exact(payloadSha256, 32, "payload SHA-256");
        this.signature = signature.clone();
        this.payload = payload;
    }

    /**
     * The capsule in {@code bytes}, or a ResultCapsuleException naming the structural check that failed.
     * Neither the signature nor any digest is checked here ({@link ResultOpener}).
     */
    public static ResultCapsule parse(byte[] bytes, long maxPayloadBytes) throws ResultCapsuleException {
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new ResultCapsuleException("not-a-result-capsule", "the bytes do not start with LEORES1\\0 (" + bytes.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).position(MAGIC.length);
        need(b, SIGNED_FIELDS + 1, "the header");
        int version = b.get() & 0xFF;
        if (version != VERSION) {
            throw new ResultCapsuleException("unsupported-version", "version " + version + ", this code reads " + VERSION);
        }
        Part part = Part.of(b.get() & 0xFF);
        long seq = b.getLong();
        byte[] cert = take(b, 32);
        byte[] recipient = take(b, 32);
        byte[] plain = take(b, 32);
        long size = b.getLong();
        byte[] nonce = take(b, NONCE_BYTES);
        byte[] wrapped = take(b, WRAPPED_KEY_BYTES);
        byte[] address = take(b, 32);
        int s = b.get() & 0xFF;
        if (s < MIN_SIGNATURE_BYTES || s > MAX_SIGNATURE_BYTES) {
            throw new ResultCapsuleException("malformed", "signature length " + s + ", expected " + MIN_SIGNATURE_BYTES + ".." + MAX_SIGNATURE_BYTES);
        }
        need(b, s, "the signature");
        byte[] signature = take(b, s);
        need(b, 8, "the payload length");
        long p = b.getLong();
        if (p < TAG_BYTES || p > maxPayloadBytes) {
            throw new ResultCapsuleException("payload-too-large", "payload length " + Long.toUnsignedString(p) + ", expected "
                    + TAG_BYTES + ".." + maxPayloadBytes);
        }
        if (size < 0 || size != p - TAG_BYTES) {
            throw new ResultCapsuleException("payload-size-mismatch", "payload " + p + " bytes, plaintext size " + Long.toUnsignedString(size));
        }
        need(b, p, "the payload");
        if (b.remaining() > p) {
            throw new ResultCapsuleException("trailing-bytes", (b.remaining() - p) + " bytes after the payload");
        }
        return new ResultCapsule(part, seq, cert, recipient, plain, size, nonce, wrapped, address, signature, take(b, (int) p));
    }

    /** The capsule's bytes, as {@link #parse} reads them. */
    public byte[] encode() {
        return ByteBuffer.allocate(MAGIC.length + SIGNED_FIELDS + 1 + signature.length + 8 + payload.length).put(MAGIC)
                .put(fields(SIGNED_FIELDS)).put((byte) signature.length).put(signature).putLong(payload.length).put(payload).array();
    }

    /** What the agent signs: the domain, then bytes 8..421. */
    byte[] signedBytes() {
        return ByteBuffer.allocate(SIGNED_PREFIX.length + SIGNED_FIELDS).put(SIGNED_PREFIX).put(fields(SIGNED_FIELDS)).array();
    }

    /** The GCM additional data: the domain, then bytes 8..389. */
    byte[] additionalData() {
        return ByteBuffer.allocate(AAD_PREFIX.length + AAD_FIELDS).put(AAD_PREFIX).put(fields(AAD_FIELDS)).array();
    }

    private byte[] fields(int length) {
        ByteBuffer f = ByteBuffer.allocate(SIGNED_FIELDS).put((byte) VERSION).put((byte) part.code()).putLong(taskSeq)
                .put(agentCertificateSha256).put(recipientSha256).put(plaintextSha256).putLong(plaintextSize).put(nonce)
                .put(wrappedKey).put(payloadSha256);
        return Arrays.copyOf(f.array(), length);
    }

    ResultCapsule withSignature(byte[] sig) {
        return new ResultCapsule(part, taskSeq, agentCertificateSha256, recipientSha256, plaintextSha256, plaintextSize, nonce,
                wrappedKey, payloadSha256, sig, payload);
    }

    private static void need(ByteBuffer b, long n, String what) throws ResultCapsuleException {
        if (b.remaining() < n) {
            throw new ResultCapsuleException("truncated", what + " needs " + n + " bytes at offset " + b.position() + ", "
                    + b.remaining() + " remain");
        }
    }

    private static byte[] take(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static byte[] exact(byte[] v, int n, String what) {
        if (v.length != n) {
            throw new IllegalArgumentException(what + ": expected " + n + " bytes, got " + v.length);
        }
        return v.clone();
    }

    public Part part() {
        return part;
    }

    public long taskSeq() {
        return taskSeq;
    }

    public byte[] agentCertificateSha256() {
        return agentCertificateSha256.clone();
    }

    public byte[] recipientSha256() {
        return recipientSha256.clone();
    }

    public byte[] plaintextSha256() {
        return plaintextSha256.clone();
    }

    public long plaintextSize() {
        return plaintextSize;
    }

    byte[] nonce() {
        return nonce.clone();
    }

    byte[] wrappedKey() {
        return wrappedKey.clone();
    }

    public byte[] payloadSha256() {
        return payloadSha256.clone();
    }

    byte[] signature() {
        return signature.clone();
    }

    byte[] payloadArray() {
        return payload;
    }

    @Override
    public String toString() {
        return "result capsule[" + part + " of task " + Long.toUnsignedString(taskSeq) + ", " + plaintextSize + " bytes, payload "
                + HexFormat.of().formatHex(payloadSha256) + "]";
    }
}
