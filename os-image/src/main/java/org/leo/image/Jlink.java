package org.leo.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's Java runtime: {@code jlink} links the jmods of the pinned JDK package (of the
 * image's architecture, unpacked from its .deb, not the JDK installed here) with only the modules
 * the agent needs, without Java debug attributes, headers or man pages, uncompressed (the
 * initramfs is gzip'd as a whole, which compresses it better than jlink's own zip level). Any JDK
 * 17 runs jlink: the output depends only on the jmods (measured: jlink 17.0.15 and 17.0.21.1 link
 * byte-identical runtimes from the same jmods), and jlink itself refuses jmods of another feature
 * release. Native debug symbols are not stripped with objcopy ({@code --strip-debug}): the host's
 * objcopy cannot read another architecture's files, and for amd64 the result was byte-identical.
 *
 * <p>Without a CDS archive: JDK 17's {@code -Xshare:dump} (and jlink's
 * {@code --generate-cds-archive}) is not deterministic (measured here: two dumps of the same
 * runtime differ in 8,233 bytes), and an image that cannot be rebuilt bit for bit cannot be
 * checked. The agent's RSS is the same without it (docs/benchmarks.md).
 */
public final class Jlink {
    private Jlink() {
    }

    /**
     * Makes the runtime in {@code out} (which must not exist) from the jmods of the unpacked JDK
     * package {@code jdkPackage}.
     *
     * @param jlinkJdk the JDK whose {@code bin/jlink} runs (feature release 17)
     * @throws IOException if there is no jlink or no jmods, or jlink fails
     */
    public static void run(Path jlinkJdk, Path jdkPackage, List<String> modules, Path out) throws IOException {
        Path jlink = jlinkJdk.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("no jlink in " + jlinkJdk + " (a JDK 17 is needed to run it: --jdk DIR)");
        }
        Path jmods = jmods(jdkPackage);
        List<String> cmd = new ArrayList<>(List.of(jlink.toString(), "--module-path", jmods.toString(),
                "--add-modules", String.join(",", modules),
                "--strip-java-debug-attributes", "--no-header-files", "--no-man-pages", "--compress=0",
                "--output", out.toString()));
        Processes.run(null, cmd, 600);
    }

    /** {@code usr/lib/jvm/java-17-openjdk-ARCH/jmods} of an unpacked JDK package. */
    static Path jmods(Path jdkPackage) throws IOException {
        Path jvm = jdkPackage.resolve("usr/lib/jvm");
        if (Files.isDirectory(jvm)) {
            try (var s = Files.list(jvm)) {
                for (Path d : s.sorted().toList()) {
                    if (Files.isRegularFile(d.resolve("jmods/java.base.jmod"))) {
                        return d.resolve("jmods");
                    }
                }
            }
        }
        throw new IOException("no jmods/java.base.jmod under " + jvm);
    }
}
