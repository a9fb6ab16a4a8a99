package org.leo.protocol.capsule;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A capsule's public header ({@code leo.task.v1.CapsuleHeader}): who owns it, what it is, the
 * content address of its encrypted payload, the SHA-256 and size of its plaintext, the GCM nonce,
 * the environment it requires, its terms, when it was sealed, a label, and the owner's signature.
 *
 * <p>What is signed is not the protobuf encoding but {@link #signedBytes()}: a domain string, then
 * every field but the signature in a fixed order, each either of fixed width or prefixed with its
 * length, so that two different headers never give the same bytes (docs/capsules.md has the
 * table). The AES-GCM additional data is {@link #additionalData()}: the SHA-256 of the same fields
 * without the payload address (which depends on the ciphertext and so cannot be an input to it),
 * under another domain string; a payload therefore decrypts under no other header.
 *
 * <p>Trust per field: all are the claims of whoever handed the header over until the signature
 * verifies under {@link #owner()} ({@link CapsuleOpener#signatureValid}); then they are the
 * owner's claims. {@code payload} is checked against the payload's bytes, {@code plaintextSha256}
 * and {@code plaintextSize} against the plaintext once it is decrypted, {@code createdAt} never
 * (it is the owner's clock).
 *
 * @param signature 64 bytes, or empty for a header not signed yet
 */
public record CapsuleHeader(int version, byte[] owner, CapsuleKind kind, ContentAddress payload, byte[] plaintextSha256,
                            long plaintextSize, byte[] nonce, Requirements requirements, Terms terms, Instant createdAt,
                            String label, byte[] signature) {
    /** The header format this code writes and reads. */
    public static final int VERSION = 1;
    /** An Ed25519 public key (RFC 8032). */
    public static final int OWNER_BYTES = 32;
    public static final int SIGNATURE_BYTES = 64;
    /** The 96-bit GCM nonce (NIST SP 800-38D 8.2.2: random, one key per capsule anyway). */
    public static final int NONCE_BYTES = 12;
    /** A label is for people: a line on a screen, no control characters, no escapes. */
    public static final int MAX_LABEL_CHARS = 128;

    static final byte[] SIGNATURE_DOMAIN = "leo-capsule-v1\0".getBytes(StandardCharsets.US_ASCII);
    static final byte[] AAD_DOMAIN = "leo-capsule-aad-v1\0".getBytes(StandardCharsets.US_ASCII);

    public CapsuleHeader {
        if (version != VERSION) {
            throw new IllegalArgumentException("header version " + version + ", this code knows " + VERSION);
        }
        owner = exact(owner, OWNER_BYTES, "owner key");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(payload, "payload address");
        plaintextSha256 = exact(plaintextSha256, ContentAddress.BYTES, "plaintext SHA-256");
        if (plaintextSize < 0) {
            throw new IllegalArgumentException("plaintext size: at most 2^63-1, got " + Long.toUnsignedString(plaintextSize));
        }
        nonce = exact(nonce, NONCE_BYTES, "nonce");
        Objects.requireNonNull(requirements, "requirements");
        Objects.requireNonNull(terms, "terms");
        createdAt = millis(createdAt);
        Objects.requireNonNull(label, "label");
        String bad = labelProblem(label);
        if (bad != null) {
            throw new IllegalArgumentException(bad);
        }
        Objects.requireNonNull(signature, "signature");
        if (signature.length != 0 && signature.length != SIGNATURE_BYTES) {
            throw new IllegalArgumentException("signature: expected " + SIGNATURE_BYTES + " bytes, got " + signature.length);
        }
        signature = signature.clone();
    }

    /** Null if {@code label} is a valid label, else why not. */
    public static String labelProblem(String label) {
        if (label.length() > MAX_LABEL_CHARS) {
            return "label: at most " + MAX_LABEL_CHARS + " characters, got " + label.length();
        }
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return "label: printable ASCII only (0x20..0x7e), got 0x" + Integer.toHexString(c) + " at " + i;
            }
        }
        return null;
    }

    private static Instant millis(Instant t) {
        Objects.requireNonNull(t, "created at");
        Instant m = t.truncatedTo(ChronoUnit.MILLIS);
        if (m.isBefore(Instant.EPOCH) || m.isAfter(Instant.ofEpochMilli(Long.MAX_VALUE))) {
            throw new IllegalArgumentException("created at: between 1970 and 2^63-1 ms after it, got " + t);
        }
        return m;
    }

    public boolean signed() {
        return signature.length == SIGNATURE_BYTES;
    }

    /** This header with the owner's signature. */
    public CapsuleHeader withSignature(byte[] sig) {
        return new CapsuleHeader(version, owner, kind, payload, plaintextSha256, plaintextSize, nonce, requirements, terms,
                createdAt, label, sig);
    }

    /** This header, unsigned, for another payload. */
    public CapsuleHeader withPayload(ContentAddress address) {
        return new CapsuleHeader(version, owner, kind, address, plaintextSha256, plaintextSize, nonce, requirements, terms,
                createdAt, label, new byte[0]);
    }

    /** What the owner signs: {@code "leo-capsule-v1\0" || bound fields || payload_sha256}. */
    public byte[] signedBytes() {
        byte[] bound = boundFields();
        return ByteBuffer.allocate(SIGNATURE_DOMAIN.length + bound.length + ContentAddress.BYTES)
                .put(SIGNATURE_DOMAIN).put(bound).put(payload.bytes()).array();
    }

    /** The AES-GCM additional data: {@code SHA-256("leo-capsule-aad-v1\0" || bound fields)}. */
    public byte[] additionalData() {
        MessageDigest md = ContentAddress.sha256();
        md.update(AAD_DOMAIN);
        md.update(boundFields());
        return md.digest();
    }

    /**
     * Every field but the payload address and the signature, in a fixed order: fixed-width fields as
     * they are (integers big-endian), strings as a length byte and their ASCII.
     */
    private byte[] boundFields() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ByteBuffer b = ByteBuffer.allocate(1 + OWNER_BYTES + 1 + ContentAddress.BYTES + 8 + NONCE_BYTES);
        b.put((byte) version).put(owner).put((byte) kind.code()).put(plaintextSha256).putLong(plaintextSize).put(nonce);
        out.writeBytes(b.array());
        ascii(out, requirements.imageDigest());
        b = ByteBuffer.allocate(1 + 1 + 8 + 8 + 1 + 8 + 8);
        b.put((byte) requirements.network().code()).put((byte) (requirements.cleanupRequired() ? 1 : 0))
                .putLong(requirements.minExecutorCredit()).putLong(requirements.minMonitorCredit())
                .put((byte) terms.basis().code()).putLong(terms.amount()).putLong(createdAt.toEpochMilli());
        out.writeBytes(b.array());
        ascii(out, label);
        return out.toByteArray();
    }

    private static void ascii(ByteArrayOutputStream out, String s) {
        byte[] a = s.getBytes(StandardCharsets.US_ASCII);
        out.write(a.length); // at most 128 (label) or 71 (image digest): checked by the constructors
        out.writeBytes(a);
    }

    private static byte[] exact(byte[] v, int n, String what) {
        Objects.requireNonNull(v, what);
        if (v.length != n) {
            throw new IllegalArgumentException(what + ": expected " + n + " bytes, got " + v.length);
        }
        return v.clone();
    }

    @Override
    public byte[] owner() {
        return owner.clone();
    }

    public String ownerHex() {
        return HexFormat.of().formatHex(owner);
    }

    @Override
    public byte[] plaintextSha256() {
        return plaintextSha256.clone();
    }

    @Override
    public byte[] nonce() {
        return nonce.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CapsuleHeader h && Arrays.equals(signedBytes(), h.signedBytes()) && Arrays.equals(signature, h.signature);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(signedBytes()) * 31 + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return kind.label() + " capsule " + payload + " of " + plaintextSize + " bytes by " + ownerHex().substring(0, 16) + "..";
    }
}
