package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.DiskRootResult;

/**
 * A real block device: an image file attached to a loop device ({@code losetup}, needs root). The
 * device's size comes from sysfs, and its root equals the image file's.
 */
@Tag("system")
class LoopDeviceFingerprintTest {
    @TempDir
    Path dir;
    private String device;

    @AfterEach
    void detach() throws Exception {
        if (device != null) {
            run("losetup", "-d", device);
        }
    }

    @Test
    void aLoopDeviceFingerprintsLikeItsImageFile() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 4096 * 5];
        new Random(9).nextBytes(data);
        Path image = Files.write(dir.resolve("disk.img"), data);
        device = run("losetup", "--find", "--show", "--read-only", image.toString()).strip();
        DiskFingerprinter f = new DiskFingerprinter(HostPaths.real(), 2, DiskProgress.NONE);
        DiskRootResult fromDevice = f.root("loop", Path.of(device), 1 << 20);
        DiskRootResult fromFile = f.root("loop", image, 1 << 20);
        assertThat(fromDevice.getSizeBytes()).isEqualTo(data.length);
        assertThat(fromDevice.getRoot()).isEqualTo(fromFile.getRoot());
        assertThat(f.spot("loop", Path.of(device), 1 << 20, new byte[32], new long[] {3}).getChunks(0).getLeafHash())
                .isEqualTo(f.spot("loop", image, 1 << 20, new byte[32], new long[] {3}).getChunks(0).getLeafHash());
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out);
            }
            return out;
        } finally {
            p.destroyForcibly();
        }
    }
}
