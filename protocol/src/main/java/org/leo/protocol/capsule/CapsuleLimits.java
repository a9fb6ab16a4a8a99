package org.leo.protocol.capsule;

/**
 * How large a capsule a reader accepts. A capsule is held in memory whole (one array for the file,
 * one for the plaintext: the JDK's AES-GCM releases no plaintext before the tag is checked), so the
 * cap is what the reader's heap can take twice over.
 *
 * @param maxPayloadBytes the longest payload (ciphertext and tag) accepted, 16 to {@link #CEILING}
 */
public record CapsuleLimits(long maxPayloadBytes) {
    /** The default cap: 1 GiB. */
    public static final long DEFAULT_MAX_PAYLOAD_BYTES = 1L << 30;
    /** The largest cap at all: a whole capsule file must fit one Java array. */
    public static final long CEILING = Integer.MAX_VALUE - 8 - CapsuleFile.FIXED_BYTES - CapsuleFile.MAX_HEADER_BYTES;
    public static final CapsuleLimits DEFAULT = new CapsuleLimits(DEFAULT_MAX_PAYLOAD_BYTES);

    public CapsuleLimits {
        if (maxPayloadBytes < CapsuleOpener.TAG_BYTES || maxPayloadBytes > CEILING) {
            throw new IllegalArgumentException("the payload cap is between " + CapsuleOpener.TAG_BYTES + " and " + CEILING
                    + " bytes, got " + maxPayloadBytes);
        }
    }

    /** The longest capsule file accepted. */
    public long maxFileBytes() {
        return CapsuleFile.FIXED_BYTES + CapsuleFile.MAX_HEADER_BYTES + maxPayloadBytes;
    }
}
