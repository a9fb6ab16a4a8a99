package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.image.appliance.ElfFile;
import org.leo.pxe.vm.Exec;

/**
 * {@code leo image build-appliance} twice into two directories: the same bytes (SHA-256 of the disk
 * image and of its record); then what is in it, read with the tools that would read it: sfdisk
 * (the MBR), fsck.fat and mtools (the boot partition), fdtoverlay (our TPM overlay on the pinned
 * kernel's Pi 4 device trees), veritysetup (the root against the root hash of cmdline.txt and of
 * the record), unsquashfs (the root: what it holds, owners and modes, and every ELF file's
 * libraries found inside it); and {@code leo image verify --appliance}, which rebuilds a third
 * time and compares with the signed manifest. The figures (build time, sizes) are printed.
 */
@Tag("system")
class ApplianceImageIT {
    private static final Duration STEP = Duration.ofMinutes(5);
    @TempDir
    static Path tmp;
    static ApplianceImage.Built one;
    static ApplianceImage.Built two;

    @BeforeAll
    static void buildTwice() throws Exception {
        Optional<String> why = ApplianceImage.unavailable();
        assumeTrue(why.isEmpty(), () -> why.orElse(""));
        one = ApplianceImage.first();
        two = ApplianceImage.build("two");
        System.out.printf("ApplianceImageIT: builds took %.1f s and %.1f s; image %d bytes (%.1f MiB)%n%s", one.millis() / 1000.0,
                two.millis() / 1000.0, Files.size(one.image()), Files.size(one.image()) / 1048576.0, one.output());
    }

    @Test
    void twoBuildsInTwoDirectoriesAreByteIdentical() throws Exception {
        assertThat(E2eFiles.sha256(two.image())).isEqualTo(E2eFiles.sha256(one.image()));
        assertThat(Files.readString(two.info())).isEqualTo(Files.readString(one.info()));
        assertThat(Files.size(one.image())).isLessThan(400L << 20);
        System.out.println("ApplianceImageIT: both images sha256 " + E2eFiles.sha256(one.image()));
    }

    @Test
    void theMbrHasTheFixedDiskIdAndTheThreePartitions() throws Exception {
        String dump = run("sfdisk", "--dump", one.image().toString());
        assertThat(dump).contains("label: dos").contains("label-id: 0x4c454f31");
        assertThat(dump).containsPattern("img1 : start=\\s+2048, size=\\s+262144, type=c, bootable")
                .containsPattern("img2 : start=\\s+264192, size=\\s+\\d+, type=83").containsPattern("img3 : start=\\s+\\d+, size=\\s+\\d+, type=83")
                .doesNotContain("img4");
    }

    @Test
    void theBootPartitionHoldsTheFirmwareKernelTreesOverlayAndTheRootHash() throws Exception {
        long[] p1 = ApplianceImage.partition(one, 1);
        Path fat = ApplianceImage.extract(one.image(), p1[0], p1[1], tmp.resolve("boot.vfat"));
        assertThat(run("fsck.fat", "-n", fat.toString())).containsPattern("boot.vfat: \\d+ files, \\d+/\\d+ clusters");
        String dir = run("mdir", "-/", "-b", "-i", fat.toString(), "::");
        for (String f : List.of("::/start4.elf", "::/fixup4.dat", "::/bcm2711-rpi-4-b.dtb", "::/bcm2711-rpi-400.dtb", "::/bcm2711-rpi-cm4-io.dtb",
                "::/overlays/tpm-slb9670.dtbo", "::/vmlinuz", "::/initrd.img", "::/config.txt", "::/cmdline.txt", "::/LICENCE.raspi-firmware")) {
            assertThat(dir).contains(f);
        }
        assertThat(run("mlabel", "-s", "-i", fat.toString(), "::")).contains("LEO-BOOT");
        Path x = Files.createDirectories(tmp.resolve("boot"));
        run("mcopy", "-s", "-i", fat.toString(), "::*", x.toString());
        assertThat(Files.readString(x.resolve("config.txt"))).contains("\narm_64bit=1\n").contains("\nkernel=vmlinuz\n")
                .contains("\ninitramfs initrd.img followkernel\n").contains("\ndtparam=spi=on\n").contains("\ndtoverlay=tpm-slb9670\n");
        assertThat(Files.readString(x.resolve("cmdline.txt"))).contains("leo.verity.roothash=" + one.info("verity-roothash"))
                .contains("leo.verity.salt=" + one.info("verity-salt")).contains("leo.disk=4c454f31").contains("console=ttyS1,115200");

        // The overlay applies to each of the pinned kernel's Pi 4 trees: SPI0 enabled, the SLB9670 at chip select 1.
        for (String dtb : List.of("bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb", "bcm2711-rpi-cm4-io.dtb")) {
            Path merged = tmp.resolve(dtb + ".merged");
            run("fdtoverlay", "-i", x.resolve(dtb).toString(), "-o", merged.toString(), x.resolve("overlays/tpm-slb9670.dtbo").toString());
            assertThat(run("fdtget", merged.toString(), "/soc/spi@7e204000", "status").strip()).as(dtb).isEqualTo("okay");
            assertThat(run("fdtget", merged.toString(), "/soc/spi@7e204000/tpm@1", "compatible").strip()).as(dtb).isEqualTo("infineon,slb9670");
            assertThat(run("fdtget", x.resolve(dtb).toString(), "/soc/spi@7e204000", "status").strip()).as(dtb).isEqualTo("disabled");
        }
    }

    @Test
    void theRootVerifiesAgainstItsRootHashAndAChangedBlockDoesNot() throws Exception {
        long[] p2 = ApplianceImage.partition(one, 2);
        long[] p3 = ApplianceImage.partition(one, 3);
        long blocks = Long.parseLong(one.info("verity-data-blocks"));
        Path data = ApplianceImage.extract(one.image(), p2[0], blocks * 8, tmp.resolve("root.squashfs"));
        Path hash = ApplianceImage.extract(one.image(), p3[0], p3[1], tmp.resolve("root.verity"));
        run("veritysetup", "verify", data.toString(), hash.toString(), one.info("verity-roothash"));
        assertThat(run("veritysetup", "dump", hash.toString())).contains(one.info("verity-salt")).contains(one.info("verity-uuid"))
                .containsPattern("Data blocks:\\s+" + blocks);
        try (var f = new java.io.RandomAccessFile(data.toFile(), "rw")) {
            f.seek(blocks / 2 * 4096 + 100);
            int b = f.read();
            f.seek(blocks / 2 * 4096 + 100);
            f.write(b ^ 1);
        }
        Exec.Result r = Exec.run(STEP, List.of("veritysetup", "verify", data.toString(), hash.toString(), one.info("verity-roothash")));
        assertThat(r.exitCode()).as(r.output()).isNotZero();
        assertThat(r.output()).contains("Verification of data area failed");
    }

    @Test
    void theRootHoldsTheApplianceOwnedByRootWithoutSetuidAndEveryLibraryItLinks() throws Exception {
        long[] p2 = ApplianceImage.partition(one, 2);
        Path sq = ApplianceImage.extract(one.image(), p2[0], Long.parseLong(one.info("verity-data-blocks")) * 8, tmp.resolve("root2.squashfs"));
        String listing = run("unsquashfs", "-lln", "-d", "", sq.toString());
        List<String> entries = listing.lines().filter(l -> l.matches("^[-dlcbps][-rwxsStT]{9} .*")).toList();
        assertThat(entries).hasSizeGreaterThan(2000);
        assertThat(entries).allMatch(l -> l.split("\\s+")[1].equals("0/0"), "owned by root");
        assertThat(entries).noneMatch(l -> l.substring(0, 10).matches(".*[sStT].*"));
        // unpacked outside the JUnit directory, whose deletion warns about every absolute link (the root has hundreds)
        Path root = Files.createTempDirectory("leo-appliance-root-").resolve("root");
        try {
            checkRoot(root, sq);
        } finally {
            org.leo.image.Tree.delete(root.getParent());
        }
    }

    private static void checkRoot(Path root, Path sq) throws Exception {
        run("unsquashfs", "-q", "-d", root.toString(), sq.toString());
        for (String f : List.of("usr/bin/leo", "usr/share/leo/quarkus-run.jar", "usr/lib/systemd/system/leo.service", "usr/lib/jvm/leo-jre/bin/java",
                "usr/lib/systemd/systemd", "usr/bin/tpm2_pcrread", "usr/sbin/nft", "usr/sbin/cryptsetup", "usr/bin/systemd-cryptenroll",
                "usr/lib/leo-appliance/firstboot", "usr/lib/systemd/system/leo-firstboot.service", "etc/crypttab", "etc/fstab",
                "usr/lib/leo/jni/libjnidispatch.so")) { // JNA's library, read-only in the root: the state is noexec
            assertThat(root.resolve(f)).as(f).exists();
        }
        assertThat(Files.readSymbolicLink(root.resolve("etc/systemd/system/multi-user.target.wants/leo.service")).toString())
                .isEqualTo("/lib/systemd/system/leo.service");
        for (String unit : List.of("leo-keys.service", "leo-gateway.service")) { // leo firstboot and leo gateway apply, before leo serve
            assertThat(root.resolve("usr/lib/systemd/system/" + unit)).as(unit).exists();
            assertThat(Files.readSymbolicLink(root.resolve("etc/systemd/system/leo.service.wants/" + unit)).toString())
                    .isEqualTo("/lib/systemd/system/" + unit);
        }
        assertThat(Files.readString(root.resolve("etc/systemd/system/leo.service.d/leo-appliance.conf")))
                .contains("\nRequires=leo-gateway.service\n").contains("After=leo-firstboot.service leo-gateway.service leo-keys.service");
        assertThat(Files.readString(root.resolve("etc/passwd"))).containsPattern("(?m)^leo:x:\\d+:\\d+:Leo appliance:/var/lib/leo:");
        assertThat(Files.readString(root.resolve("etc/group"))).containsPattern("(?m)^tss:x:\\d+:leo$");
        assertThat(Files.readString(root.resolve("etc/crypttab"))).contains("leo-state  PARTUUID=4c454f31-04  none  tpm2-device=auto");
        assertThat(Files.readString(root.resolve("usr/lib/jvm/leo-jre/release"))).contains("jdk.zipfs").doesNotContain("java.desktop");
        assertThat(root.resolve("usr/share/man")).doesNotExist();
        assertThat(root.resolve("var")).isEmptyDirectory();
        assertThat(root.resolve("etc/leo-image")).hasContent(ApplianceImage.IMAGE_ID);

        // Every DT_NEEDED of every ELF file is found in the root: the loader's directories, or the file's own RUNPATH.
        List<String> missing = new ArrayList<>();
        int elves = 0;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)).toList()) {
                byte[] head = new byte[4];
                try (var in = Files.newInputStream(p)) {
                    if (in.read(head) != 4 || !ElfFile.isElf(head)) {
                        continue;
                    }
                }
                ElfFile elf = ElfFile.parse(Files.readAllBytes(p));
                elves++;
                for (String so : elf.needed()) {
                    if (!found(root, p, elf, so)) {
                        missing.add(root.relativize(p) + " needs " + so);
                    }
                }
            }
        }
        System.out.println("ApplianceImageIT: " + elves + " ELF files in the root, every library they need is there");
        assertThat(missing).isEmpty();
        assertThat(elves).isGreaterThan(500);
    }

    /**
     * Libraries that name a library they do not say where to find, because the process that loads them has loaded it
     * before: the JDK's (java's launcher loads lib/server/libjvm.so first) and systemd's core (systemd, linked with both,
     * loads libsystemd-shared through its own RUNPATH).
     */
    private static final java.util.Map<String, String> LOADED_BEFORE = java.util.Map.of("libjvm.so", "usr/lib/jvm/leo-jre/lib/server/libjvm.so",
            "libsystemd-shared-252.so", "usr/lib/aarch64-linux-gnu/systemd/libsystemd-shared-252.so");

    /**
     * Whether {@code so} is in a directory the loader searches for {@code file}: its RUNPATH (with $ORIGIN), then the
     * multiarch defaults; or it is one the process loaded before ({@link #LOADED_BEFORE}).
     */
    private static boolean found(Path root, Path file, ElfFile elf, String so) {
        if (LOADED_BEFORE.containsKey(so) && Files.exists(root.resolve(LOADED_BEFORE.get(so)))) {
            return true;
        }
        List<Path> dirs = new ArrayList<>();
        for (String r : elf.runpath()) {
            String dir = r.replace("$ORIGIN", "/" + root.relativize(file.getParent()));
            dirs.add(root.resolve(dir.substring(1)).normalize());
        }
        dirs.addAll(List.of(root.resolve("usr/lib/aarch64-linux-gnu"), root.resolve("usr/lib")));
        return dirs.stream().anyMatch(d -> Files.exists(d.resolve(so)));
    }

    @Test
    void verifyRebuildsTheImageAndFindsTheSignedManifestsBytes() throws Exception {
        assertThat(Files.readString(one.manifest())).contains("  leo-appliance.img\n").contains("  leo-appliance.info\n")
                .contains("image-id: " + ApplianceImage.IMAGE_ID);
        long t0 = System.nanoTime();
        org.leo.appliance.cli.AttestCommandTest.Run v = ApplianceImage.leo("image", "verify", "--appliance", "--manifest", one.manifest().toString(), "--public-key",
                one.keys().publicKey().toString(), "--cache", ApplianceImage.CACHE.toString(), "--appliance-lock", ApplianceImage.LOCK.toString(),
                "--leo-deb", ApplianceImage.debianPackage().orElseThrow().toString());
        System.out.printf("ApplianceImageIT: leo image verify --appliance took %.1f s:%n%s", (System.nanoTime() - t0) / 1e9, v.out());
        assertThat(v.status()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).contains("signature: good").contains("leo-appliance.img: identical").contains("leo-appliance.info: identical");

        org.leo.appliance.cli.AttestCommandTest.Run bad = ApplianceImage.leo("image", "verify", "--appliance", "--manifest", one.manifest().toString(), "--public-key",
                two.keys().publicKey().toString(), "--appliance-lock", ApplianceImage.LOCK.toString());
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.out()).contains("signature: BAD");
    }

    private static String run(String... cmd) throws Exception {
        Exec.Result r = Exec.run(STEP, List.of(cmd));
        assertThat(r.exitCode()).as(String.join(" ", cmd) + ": " + r.output()).isZero();
        return r.output();
    }
}
