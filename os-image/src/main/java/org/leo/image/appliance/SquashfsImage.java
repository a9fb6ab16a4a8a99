package org.leo.image.appliance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.leo.image.Processes;

/**
 * The root's read-only file system: the {@link RootTree} laid out in a directory, then squashfs-tools'
 * mksquashfs with what makes it reproducible: its default {@code -reproducible} (the same order and
 * bytes with several threads), every file owned by root ({@code -all-root}), every time and the
 * file system's own SOURCE_DATE_EPOCH ({@code -all-time}, {@code -mkfs-time}), no extended
 * attributes (the build machine's SELinux labels would leak in). gzip compression; the result is
 * padded to 4 KiB, which dm-verity's data blocks need.
 */
final class SquashfsImage {
    /**
     * The compressor. Measured on this root (259 MB): xz 109 MB in 105 s, gzip 116 MB in 29 s, zstd 122 MB in 23 s
     * (mksquashfs 4.5.1, 2 cores). gzip: nearly xz's size at a quarter of its time, zlib's output is the
     * steadiest across versions, and the Pi decompresses it faster than xz.
     */
    static final String COMPRESSION = "gzip";

    private SquashfsImage() {
    }

    static void build(RootTree root, Path out, long sourceDateEpoch, Path work) throws IOException {
        Path stage = work.resolve("root");
        Files.createDirectories(stage);
        root.writeTo(stage);
        Files.deleteIfExists(out);
        String t = Long.toString(sourceDateEpoch);
        Map<String, String> env = new java.util.HashMap<>();
        env.put("SOURCE_DATE_EPOCH", null); // mksquashfs refuses it beside -all-time and -mkfs-time
        Processes.output(null, env, List.of("mksquashfs", stage.toString(), out.toString(), "-noappend", "-quiet",
                "-no-progress", "-comp", COMPRESSION, "-all-root", "-all-time", t, "-mkfs-time", t, "-no-xattrs"), 1800);
        if (Files.size(out) % VerityHashTree.BLOCK != 0) {
            throw new IOException(out + " is " + Files.size(out) + " bytes, not padded to " + VerityHashTree.BLOCK + " (mksquashfs -nopad?)");
        }
    }
}
