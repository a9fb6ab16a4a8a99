package org.leo.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's Java runtime: {@code jlink} from the pinned JDK with only the modules the agent
 * needs, without debug attributes, headers or man pages, uncompressed (the initramfs is gzip'd as
 * a whole, which compresses it better than jlink's own zip level). Without a CDS archive: JDK 17's
 * {@code -Xshare:dump} (and jlink's {@code --generate-cds-archive}) is not deterministic (measured
 * here: two dumps of the same runtime differ in 8,233 bytes), and an image that cannot be rebuilt
 * bit for bit cannot be checked. The agent's RSS is the same without it (docs/benchmarks.md).
 */
final class Jlink {
    private Jlink() {
    }

    /**
     * Makes the runtime in {@code out} (which must not exist).
     *
     * @throws IOException if the JDK is not the pinned package and version, or jlink fails
     */
    static void run(Path jdkHome, InputsLock.Jdk pinned, List<String> modules, Path out) throws IOException {
        String installed = Processes.run(null, List.of("dpkg-query", "-W", "-f", "${Version}", pinned.packageName()), 60).strip();
        if (!installed.equals(pinned.version())) {
            throw new IOException("os-image/inputs.lock pins " + pinned.packageName() + " " + pinned.version()
                    + ", but " + (installed.isEmpty() ? "it is not installed" : installed + " is installed"));
        }
        Path jlink = jdkHome.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            throw new IOException("no jlink in " + jdkHome + " (install " + pinned.packageName() + ")");
        }
        List<String> cmd = new ArrayList<>(List.of(jlink.toString(), "--add-modules", String.join(",", modules),
                "--strip-debug", "--no-header-files", "--no-man-pages", "--compress=0",
                "--output", out.toString()));
        Processes.run(null, cmd, 600);
    }
}
