package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.image.flash.BlockDevices;
import org.leo.image.flash.DeviceGuard;
import org.leo.image.flash.ExclusiveClaim;

/**
 * {@code leo flash} against real block devices: loop devices over sparse files in a temporary directory (attached with
 * {@code losetup -f --show}, detached in {@code finally}), and this machine's own root disk. Needs root (losetup, mount,
 * swapon); skipped with the reason otherwise. This kernel may have no partition tables for loop devices, so a mounted
 * partition is {@link org.leo.image.flash.DeviceGuard}'s fixture tests' part; here the file system is on the whole
 * loop device.
 */
@Tag("system")
class FlashLoopDeviceTest {
    static final int LENGTH = (4 << 20) + 5;

    @TempDir
    Path dir;

    /** A loop device over a sparse file of {@code size} bytes. */
    record Loop(Path device, Path file) implements AutoCloseable {
        static Loop attach(Path file, long size) throws Exception {
            try (var f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(size);
            }
            return new Loop(Path.of(run("losetup", "-f", "--show", file.toString()).strip()), file);
        }

        @Override
        public void close() throws Exception {
            run("losetup", "-d", device.toString());
        }
    }

    static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static void assumeRoot() throws Exception {
        assumeTrue("0".equals(run("id", "-u").strip()), "needs root: losetup, mount and swapon attach and use real block devices");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/losetup")) || Files.isExecutable(Path.of("/sbin/losetup")), "no losetup (util-linux)");
    }

    private static boolean zeros(Path device, int length) throws IOException {
        try (var in = Files.newInputStream(device)) {
            byte[] b = in.readNBytes(length);
            for (byte x : b) {
                if (x != 0) {
                    return false;
                }
            }
            return b.length == length;
        }
    }

    @Test
    void aSignedImageIsFlashedAndVerifiedAndAByteChangedBehindItsBackFailsVerifyOnly() throws Exception {
        assumeRoot();
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 11);
        try (Loop loop = Loop.attach(dir.resolve("card"), 16 << 20)) {
            AttestCommandTest.Run run = AttestCommandTest.leo(f.args(loop.device(), "--json"));
            assertThat(run.status()).as(run.err()).isZero();
            JsonNode json = new ObjectMapper().readTree(run.out());
            assertThat(json.get("outcome").asText()).isEqualTo("verified");
            assertThat(json.get("deviceName").asText()).isEqualTo(loop.device().getFileName().toString());
            assertThat(json.get("deviceSize").asLong()).isEqualTo(16 << 20);
            assertThat(json.get("readBack").asText()).isEqualTo("O_DIRECT");
            assertThat(json.get("deviceSha256").asText()).isEqualTo(json.get("sha256").asText());
            assertThat(Files.mismatch(f.image(), loop.file())).as("the loop file holds the image from byte 0").isEqualTo(LENGTH);
            System.out.printf("flashed %d bytes to %s: write %.1f MiB/s, read back %.1f MiB/s%n", LENGTH, loop.device(),
                    json.get("writeMiBps").asDouble(), json.get("readMiBps").asDouble());

            FlashFixture.flipByte(loop.device(), 1 << 20); // behind leo's back, through the block device, fsynced
            AttestCommandTest.Run verify = AttestCommandTest.leo(f.args(loop.device(), "--verify-only"));
            assertThat(verify.status()).as(verify.out() + verify.err()).isEqualTo(1);
            assertThat(verify.err()).contains("leo flash: " + loop.device() + " does not hold the image: its first " + LENGTH + " bytes have SHA-256 ");
            FlashFixture.flipByte(loop.device(), 1 << 20);
            assertThat(AttestCommandTest.leo(f.args(loop.device(), "--verify-only")).status()).isZero();
        }
    }

    @Test
    void aTamperedImageAndADeviceTooSmallAreRefusedBeforeWriting() throws Exception {
        assumeRoot();
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 12);
        FlashFixture.flipByte(f.image(), LENGTH / 2);
        try (Loop loop = Loop.attach(dir.resolve("card"), 16 << 20); Loop small = Loop.attach(dir.resolve("small"), 2 << 20)) {
            AttestCommandTest.Run run = AttestCommandTest.leo(f.args(loop.device()));
            assertThat(run.status()).isEqualTo(2);
            assertThat(run.err()).contains("refused, nothing was written: the image ").contains(", its signed manifest says ");
            assertThat(zeros(loop.device(), 16 << 20)).isTrue();

            FlashFixture.flipByte(f.image(), LENGTH / 2);
            run = AttestCommandTest.leo(f.args(small.device()));
            assertThat(run.status()).isEqualTo(2);
            assertThat(run.err()).contains("refused, nothing was written: the image (4.0 MiB, " + LENGTH + " bytes) is larger than "
                    + small.device() + " (2.0 MiB, 2097152 bytes)");
            assertThat(zeros(small.device(), 2 << 20)).isTrue();
        }
    }

    @Test
    void aMountedDeviceAndASwapAreaAreRefusedAndTheKernelRefusesAnExclusiveClaimOnThem() throws Exception {
        assumeRoot();
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 13);
        Path mnt = Files.createDirectories(dir.resolve("mnt"));
        try (Loop loop = Loop.attach(dir.resolve("card"), 16 << 20)) {
            run("mkfs.ext4", "-q", "-F", loop.device().toString());
            run("mount", loop.device().toString(), mnt.toString());
            try {
                AttestCommandTest.Run run = AttestCommandTest.leo(f.args(loop.device()));
                assertThat(run.status()).isEqualTo(2);
                assertThat(run.err()).contains("refused, nothing was written: " + loop.device() + " is mounted on " + mnt);
                assertThatThrownBy(() -> ExclusiveClaim.claim(loop.device())).isInstanceOf(ExclusiveClaim.Busy.class)
                        .hasMessageContaining("the kernel refuses an exclusive open");
            } finally {
                run("umount", mnt.toString());
            }
            try (ExclusiveClaim claim = ExclusiveClaim.claim(loop.device())) {
                assertThatThrownBy(() -> run("mount", loop.device().toString(), mnt.toString())).as("our claim keeps mount out")
                        .hasMessageContaining("exited");
            }
            run("mkswap", loop.device().toString());
            run("swapon", loop.device().toString());
            try {
                AttestCommandTest.Run run = AttestCommandTest.leo(f.args(loop.device(), "--dry-run"));
                assertThat(run.status()).isEqualTo(2);
                assertThat(run.err()).contains(loop.device() + " is the running system's disk: " + loop.device() + " is an active swap area")
                        .contains(loop.device() + " is an active swap area (" + loop.device() + ")");
            } finally {
                run("swapoff", loop.device().toString());
            }
        }
    }

    @Test
    void theRunningRootDiskIsRefusedEvenForADryRun() throws Exception {
        assumeRoot();
        BlockDevices host = BlockDevices.host();
        Map<String, String> system = DeviceGuard.systemDevices(host);
        String root = system.entrySet().stream().filter(e -> e.getValue().startsWith("/ is mounted from ")).map(Map.Entry::getKey)
                .filter(d -> host.wholeDisk(d).equals(d) && !host.isPartition(d)).reduce((a, b) -> b).orElse(null);
        assumeTrue(root != null, "/ is not on a block device here (" + system + "): nothing to refuse");
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 14);
        AttestCommandTest.Run run = AttestCommandTest.leo(f.args(Path.of("/dev", root), "--dry-run", "--json"));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("refused, nothing was written: /dev/" + root + " is the running system's disk: / is mounted from ");
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("outcome").asText()).isEqualTo("refused");
        List<String> reasons = new ObjectMapper().convertValue(json.get("reasons"), new com.fasterxml.jackson.core.type.TypeReference<List<String>>() { });
        assertThat(reasons).anyMatch(r -> r.contains(" mounted on /"));
        System.out.println("the root disk /dev/" + root + " is refused: " + reasons);
    }
}
