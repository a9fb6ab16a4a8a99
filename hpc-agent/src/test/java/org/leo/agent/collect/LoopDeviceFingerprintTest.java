package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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
 * device's size comes from sysfs, and its root equals the image file's; it is read past the page
 * cache (O_DIRECT), so a write the kernel did not see is seen.
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

    /**
     * A write behind the HPC kernel's back: the loop device's backing file is written while the
     * device is held open (as a mounted or task-held disk is), so the device's own cached pages
     * stay stale: a buffered read of the device still returns the old bytes (checked). The
     * fingerprinter reads with O_DIRECT and sees the write, in the root and in a spot check.
     */
    @Test
    void aWriteBehindTheKernelsBackIsSeenThoughTheDevicesCacheIsStale() throws Exception {
        byte[] data = new byte[2 * 1024 * 1024];
        new Random(11).nextBytes(data);
        Path image = Files.write(dir.resolve("scratch.img"), data);
        device = run("losetup", "--find", "--show", image.toString()).strip();
        DiskFingerprinter f = new DiskFingerprinter(HostPaths.real(), 1, DiskProgress.NONE);
        try (FileChannel held = FileChannel.open(Path.of(device), StandardOpenOption.READ)) {
            ByteBuffer first = ByteBuffer.allocate(4096);
            held.read(first, 1 << 20); // chunk 1 is now in the device's page cache
            DiskRootResult before = f.root("scratch", Path.of(device), 1 << 20);
            try (FileChannel backing = FileChannel.open(image, StandardOpenOption.WRITE)) {
                backing.write(ByteBuffer.wrap("tampered".getBytes(StandardCharsets.US_ASCII)), (1 << 20) + 100);
                backing.force(true);
            }
            ByteBuffer cached = ByteBuffer.allocate(4096);
            try (FileChannel buffered = FileChannel.open(Path.of(device), StandardOpenOption.READ)) {
                buffered.read(cached, 1 << 20);
            }
            assertThat(new String(cached.array(), 100, 8, StandardCharsets.US_ASCII))
                    .as("premise: a buffered read of the held-open device still sees the old bytes").isNotEqualTo("tampered");

            DiskRootResult after = f.root("scratch", Path.of(device), 1 << 20);
            assertThat(after.getRoot()).isNotEqualTo(before.getRoot())
                    .isEqualTo(f.root("scratch", image, 1 << 20).getRoot());
            byte[] changed = Files.readAllBytes(image);
            assertThat(f.spot("scratch", Path.of(device), 1 << 20, new byte[] {1}, new long[] {1}).getChunks(0).getLeafHash()
                    .toByteArray()).isEqualTo(org.leo.protocol.merkle.MerkleTree.leafHash(java.util.Arrays.copyOfRange(changed, 1 << 20, 2 << 20)));
        }
    }

    /** A device whose size is not a multiple of the direct-read block: the tail chunk is read whole. */
    @Test
    void aDeviceEndingInsideADirectReadBlockIsReadToItsLastByte() throws Exception {
        byte[] data = new byte[(1 << 20) + 4096 * 3 + 512 * 3];
        new Random(12).nextBytes(data);
        Path image = Files.write(dir.resolve("odd.img"), data);
        device = run("losetup", "--find", "--show", "--read-only", image.toString()).strip();
        DiskFingerprinter f = new DiskFingerprinter(HostPaths.real(), 2, DiskProgress.NONE);
        DiskRootResult fromDevice = f.root("odd", Path.of(device), 1 << 16);
        assertThat(fromDevice.getSizeBytes()).isEqualTo(data.length);
        assertThat(fromDevice.getRoot()).isEqualTo(f.root("odd", image, 1 << 16).getRoot());
        long last = data.length / (1 << 16);
        assertThat(f.spot("odd", Path.of(device), 1 << 16, new byte[] {2}, new long[] {last}).getChunks(0).getLeafHash())
                .isEqualTo(f.spot("odd", image, 1 << 16, new byte[] {2}, new long[] {last}).getChunks(0).getLeafHash());
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
