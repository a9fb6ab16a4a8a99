package org.leo.protocol.capsule;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A capsule: its {@link CapsuleHeader} and its payload, the AES-256-GCM ciphertext followed by the
 * 16-byte tag. Nothing is checked here ({@link CapsuleOpener} does that). The payload may be a slice
 * of a larger array (the capsule file it was parsed from) and is never copied: it can be a GiB. The
 * array is not handed out; {@link #payload()} is a read-only view.
 */
public final class Capsule {
    private final CapsuleHeader header;
    private final byte[] array;
    private final int offset;
    private final int length;

    /** A capsule over {@code payload}, which the caller hands over and must not change afterwards. */
    public Capsule(CapsuleHeader header, byte[] payload) {
        this(header, payload, 0, payload.length);
    }

    Capsule(CapsuleHeader header, byte[] array, int offset, int length) {
        this.header = Objects.requireNonNull(header, "header");
        this.array = Objects.requireNonNull(array, "payload");
        Objects.checkFromIndexSize(offset, length, array.length);
        this.offset = offset;
        this.length = length;
    }

    public CapsuleHeader header() {
        return header;
    }

    /** The payload, read-only. */
    public ByteBuffer payload() {
        return ByteBuffer.wrap(array, offset, length).slice().asReadOnlyBuffer();
    }

    /** A copy of the payload. */
    public byte[] payloadBytes() {
        return Arrays.copyOfRange(array, offset, offset + length);
    }

    public int payloadLength() {
        return length;
    }

    /** The SHA-256 of the payload: what the header's content address must be. */
    public ContentAddress payloadAddress() {
        return ContentAddress.of(array, offset, length);
    }

    byte[] array() {
        return array;
    }

    int offset() {
        return offset;
    }

    @Override
    public String toString() {
        return header + " with a payload of " + length + " bytes";
    }
}
