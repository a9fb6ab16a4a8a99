package org.leo.appliance.e2e;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** File helpers shared by the end-to-end tests. */
final class E2eFiles {
    private E2eFiles() {
    }

    /** The SHA-256 of a file's bytes, lower-case hex. */
    static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * A boot root for tests that serve files but boot nothing: {@code dir} (created) with a
     * placeholder vmlinuz and initrd.img, the two artifacts a manifest must list.
     */
    static Path placeholderBootRoot(Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("vmlinuz"), "not a kernel\n");
        Files.writeString(dir.resolve("initrd.img"), "not an initramfs\n");
        return dir;
    }
}
