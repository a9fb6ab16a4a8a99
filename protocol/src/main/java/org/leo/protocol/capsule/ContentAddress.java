package org.leo.protocol.capsule;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A SHA-256 digest used as a name: the content address of a capsule's payload (in its header) and of
 * a capsule file (in a {@code CapsuleStore}). Written as 64 lower-case hex digits; {@link #parse}
 * accepts exactly that and nothing else, so an address can be used as a file name without any path
 * ever escaping its directory.
 */
public final class ContentAddress implements Comparable<ContentAddress> {
    public static final int BYTES = 32;
    public static final int HEX_LENGTH = 2 * BYTES;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] digest;

    private ContentAddress(byte[] digest) {
        this.digest = digest;
    }

    /** The address of a 32-byte digest computed elsewhere. */
    public static ContentAddress ofDigest(byte[] digest) {
        Objects.requireNonNull(digest, "digest");
        if (digest.length != BYTES) {
            throw new IllegalArgumentException("a SHA-256 digest is " + BYTES + " bytes, got " + digest.length);
        }
        return new ContentAddress(digest.clone());
    }

    /** The address of {@code bytes}: their SHA-256. */
    public static ContentAddress of(byte[] bytes) {
        return of(bytes, 0, bytes.length);
    }

    public static ContentAddress of(byte[] bytes, int offset, int length) {
        MessageDigest md = sha256();
        md.update(bytes, offset, length);
        return new ContentAddress(md.digest());
    }

    /** Exactly 64 lower-case hex digits; anything else is an IllegalArgumentException naming the text. */
    public static ContentAddress parse(String hex) {
        Objects.requireNonNull(hex, "hex");
        if (!isHex(hex)) {
            throw new IllegalArgumentException("a content address is " + HEX_LENGTH + " lower-case hex digits, got '"
                    + (hex.length() > 80 ? hex.substring(0, 77) + "..." : hex) + "'");
        }
        return new ContentAddress(HEX.parseHex(hex));
    }

    /** True for exactly 64 lower-case hex digits. */
    public static boolean isHex(String s) {
        return s.length() == HEX_LENGTH && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** A fresh SHA-256 (FIPS 180-4), mandatory in every JRE. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }

    public byte[] bytes() {
        return digest.clone();
    }

    public String hex() {
        return HEX.formatHex(digest);
    }

    /** True if {@code other} is these 32 bytes. */
    public boolean matches(byte[] other) {
        return MessageDigest.isEqual(digest, other);
    }

    @Override
    public int compareTo(ContentAddress o) {
        return Arrays.compareUnsigned(digest, o.digest);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContentAddress a && Arrays.equals(digest, a.digest);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(digest);
    }

    /** {@code sha256:HEX}. */
    @Override
    public String toString() {
        return "sha256:" + hex();
    }
}
