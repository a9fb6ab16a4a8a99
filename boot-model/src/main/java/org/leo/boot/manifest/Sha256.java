package org.leo.boot.manifest;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers (FIPS 180-4); digests are lower-case hex everywhere in Leo. */
public final class Sha256 {
    public static final int HEX_LENGTH = 64;

    private Sha256() {
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }

    /** Digest of the remaining bytes of {@code buffer}; the buffer's position is not moved. */
    public static String hex(ByteBuffer buffer) {
        MessageDigest md = newDigest();
        md.update(buffer.duplicate());
        return HexFormat.of().formatHex(md.digest());
    }

    /** Digest of the file at {@code file}, read in 64 KiB blocks. */
    public static String hex(java.nio.file.Path file) throws java.io.IOException {
        MessageDigest md = newDigest();
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(newDigest().digest(bytes));
    }

    /** True for exactly 64 lower-case hex digits. */
    public static boolean isHex(String s) {
        if (s.length() != HEX_LENGTH) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }
}
