package org.leo.protocol.capsule;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A capsule as a file, and as the bytes a store holds and a peer sends:
 *
 * <pre>
 * offset   size  field
 * 0        8     magic "LEOCAP1\0"
 * 8        4     H, the header's length, big-endian, 1..4096
 * 12       H     the header: leo.task.v1.CapsuleHeader, canonical protobuf
 * 12+H     8     P, the payload's length, big-endian: the header's plaintext size + 16
 * 20+H     P     the payload: AES-256-GCM ciphertext, then the 16-byte tag
 * </pre>
 *
 * Nothing follows the payload. {@link #parse} is a pure function of untrusted bytes: every length is
 * checked against the caps and what remains before anything is read or allocated. Not streamed: the
 * whole file is one array, and the payload a slice of it (docs/capsules.md says why).
 */
public final class CapsuleFile {
    public static final byte[] MAGIC = "LEOCAP1\0".getBytes(StandardCharsets.US_ASCII);
    /** Magic, header length, payload length. */
    public static final int FIXED_BYTES = 8 + 4 + 8;
    /**
     * A real header is under 450 bytes: a key, three digests, a nonce, a signature, an image digest,
     * seven integers and at most 128 label characters. The cap leaves room for later fields.
     */
    public static final int MAX_HEADER_BYTES = 4096;
    /** Capsule files are public (the key is not in them). */
    public static final Set<PosixFilePermission> MODE = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ);

    private CapsuleFile() {
    }

    /** The file's bytes. */
    public static byte[] encode(Capsule capsule) {
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(size(capsule)));
        parts(capsule).forEach(b::put);
        return b.array();
    }

    /** The file's length in bytes. */
    public static long size(Capsule capsule) {
        return parts(capsule).stream().mapToLong(ByteBuffer::remaining).sum();
    }

    /** Magic, lengths and header, then the payload (a view, not a copy). */
    private static List<ByteBuffer> parts(Capsule capsule) {
        byte[] header = CapsuleHeaderCodec.encode(capsule.header());
        ByteBuffer head = ByteBuffer.allocate(FIXED_BYTES + header.length)
                .put(MAGIC).putInt(header.length).put(header).putLong(capsule.payloadLength()).flip();
        return List.of(head, capsule.payload());
    }

    /**
     * The capsule's id: the SHA-256 of its file, its address in a {@code CapsuleStore}. Computed
     * without building the file.
     */
    public static ContentAddress id(Capsule capsule) {
        MessageDigest md = ContentAddress.sha256();
        parts(capsule).forEach(md::update);
        return ContentAddress.ofDigest(md.digest());
    }

    /**
     * A capsule from its file's bytes, or a CapsuleException saying which structural check failed.
     * The payload stays a slice of {@code bytes}. Signature and digests are not checked here
     * ({@link CapsuleOpener}).
     */
    public static Capsule parse(byte[] bytes, CapsuleLimits limits) throws CapsuleException {
        if (bytes.length < MAGIC.length || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CapsuleException(CapsuleProblem.NOT_A_CAPSULE, bytes.length < MAGIC.length ? bytes.length + " bytes" : null);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).position(MAGIC.length);
        need(b, 4, "the header length");
        long h = Integer.toUnsignedLong(b.getInt());
        if (h == 0) {
            throw new CapsuleException(CapsuleProblem.MALFORMED_HEADER, "header length 0");
        }
        if (h > MAX_HEADER_BYTES) {
            throw new CapsuleException(CapsuleProblem.HEADER_TOO_LARGE, "header length " + h + ", at most " + MAX_HEADER_BYTES);
        }
        need(b, h, "the header");
        byte[] headerBytes = new byte[(int) h];
        b.get(headerBytes);
        need(b, 8, "the payload length");
        long p = b.getLong();
        if (p < 0 || p > limits.maxPayloadBytes()) {
            throw new CapsuleException(CapsuleProblem.PAYLOAD_TOO_LARGE, "payload length " + Long.toUnsignedString(p) + ", at most "
                    + limits.maxPayloadBytes());
        }
        need(b, p, "the payload");
        if (b.remaining() > p) {
            throw new CapsuleException(CapsuleProblem.TRAILING_BYTES, (b.remaining() - p) + " bytes after the payload");
        }
        CapsuleHeader header = CapsuleHeaderCodec.decode(headerBytes);
        if (p - CapsuleOpener.TAG_BYTES != header.plaintextSize()) {
            throw new CapsuleException(CapsuleProblem.PAYLOAD_SIZE_MISMATCH, "payload " + p + " bytes, plaintext size "
                    + header.plaintextSize());
        }
        return new Capsule(header, bytes, b.position(), (int) p);
    }

    private static void need(ByteBuffer b, long n, String what) throws CapsuleException {
        if (b.remaining() < n) {
            throw new CapsuleException(CapsuleProblem.TRUNCATED, what + " needs " + n + " bytes at offset " + b.position()
                    + ", " + b.remaining() + " remain");
        }
    }

    /**
     * The capsule in {@code file}; a file longer than {@code limits} allow is refused before it is
     * read (PAYLOAD_TOO_LARGE).
     */
    public static Capsule read(Path file, CapsuleLimits limits) throws IOException, CapsuleException {
        long size = Files.size(file);
        if (size > limits.maxFileBytes()) {
            throw new CapsuleException(CapsuleProblem.PAYLOAD_TOO_LARGE, file + " has " + size + " bytes, at most "
                    + limits.maxFileBytes() + " are read");
        }
        return parse(Files.readAllBytes(file), limits);
    }

    /** Writes the capsule to {@code file} durably (a temporary file, fsync, rename), mode 0644. */
    public static void write(Path file, Capsule capsule) throws IOException {
        DurableFiles.write(file, MODE, parts(capsule));
    }
}
