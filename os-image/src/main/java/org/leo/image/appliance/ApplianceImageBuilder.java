package org.leo.image.appliance;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.Sha256;
import org.leo.image.BuildSteps;
import org.leo.image.DebCache;
import org.leo.image.InputsLock;
import org.leo.image.Jlink;
import org.leo.image.Tree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the Raspberry Pi appliance image ({@code leo image build-appliance}; docs/appliance-image.md)
 * from the pinned packages of {@code os-image/appliance-arm64.lock} and the Leo Debian package: one
 * disk image, {@value #IMAGE}, to write to an SD card, with an MBR of fixed disk identifier
 * {@value #DISK_ID_HEX} and three partitions:
 * <ol>
 * <li>the boot partition (FAT32, {@link BootPartition}, {@link FatImage}): the Pi's firmware, the
 * kernel, the initramfs ({@link ApplianceInitramfs}), the device trees and the TPM overlay,
 * config.txt, and cmdline.txt with the dm-verity root hash;</li>
 * <li>the root (squashfs, {@link ApplianceRoot}, {@link SquashfsImage}), read-only;</li>
 * <li>its dm-verity hash tree ({@link VerityHashTree}).</li>
 * </ol>
 * The state partition is not in the image: the first boot makes it, encrypted, sealed to the
 * Pi's TPM. Beside the image, {@value #INFO} says its layout, every partition's SHA-256, the root
 * hash and the build tools' versions; with a key, {@value #MANIFEST}, the signed manifest of both
 * (so the root hash is signed). Nothing of the build machine reaches the bytes but the pinned
 * inputs and the tools {@link HostTools} checks: {@code ApplianceImageIT} builds twice and compares.
 */
public final class ApplianceImageBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceImageBuilder.class);
    public static final String IMAGE = "leo-appliance.img";
    public static final String INFO = "leo-appliance.info";
    public static final String MANIFEST = "leo-appliance.manifest";
    /** The MBR disk identifier, "LEO1": /init finds the boot disk by it, crypttab the state partition (PARTUUID 4c454f31-04). */
    public static final int DISK_ID = 0x4c454f31;
    static final String DISK_ID_HEX = "4c454f31";
    static final long MIB_SECTORS = (1 << 20) / MbrPartitionTable.SECTOR;

    /**
     * What to build from.
     *
     * @param leoPackage      appliance/target/leo_VERSION_all.deb
     * @param jdkHome         a JDK 17 to run jlink from (it links the lock's JDK package's arm64 jmods)
     * @param sourceDateEpoch the time of every file, and of the manifest
     * @param manifestKey     the Ed25519 key to sign {@value #MANIFEST} with, or null
     */
    public record Config(InputsLock lock, Path cacheDir, Path leoPackage, Path jdkHome, Path outDir, long sourceDateEpoch, String imageId,
            Path manifestKey) {
    }

    /** A partition of the image, in 512-byte sectors, and its content's SHA-256. */
    public record Partition(int number, String name, long start, long sectors, String sha256) {
    }

    /** What was built, and how long each step took. */
    public record Result(Path image, Path info, Optional<Path> manifest, String kernelVersion, VerityHashTree.Params verity,
            List<Partition> partitions, long imageBytes, int rootEntries, List<String> tools, Map<String, Duration> steps) {
        /** The files a rebuild must reproduce byte for byte. */
        public List<Path> outputs() {
            return List.of(image, info);
        }
    }

    private ApplianceImageBuilder() {
    }

    public static Result build(Config c) throws IOException {
        if (!c.lock().arch().equals("arm64")) {
            throw new IOException("the appliance image is arm64 (a Raspberry Pi 4); the lock pins " + c.lock().arch() + " packages");
        }
        BuildSteps steps = new BuildSteps(LOG);
        List<String> tools = HostTools.check();
        DebCache cache = new DebCache(c.cacheDir());
        cache.prefetch(c.lock().debs());
        InputsLock.Deb kernelDeb = c.lock().debStartingWith("linux-image-")
                .orElseThrow(() -> new IOException("the appliance lock pins no linux-image- package"));
        String kver = kernelDeb.name().substring("linux-image-".length());
        Path kroot = cache.unpacked(kernelDeb);
        for (InputsLock.Deb d : c.lock().debs()) {
            cache.unpacked(d);
        }
        steps.done("inputs (fetch, verify, unpack)");

        Path work = Files.createTempDirectory("leo-appliance-");
        try {
            Path jre = work.resolve("jre");
            Jlink.run(c.jdkHome(), cache.unpacked(c.lock().require(InputsLock.JDK_PACKAGE)), ApplianceRoot.JRE_MODULES, jre);
            steps.done("jlink runtime");
            Path moddir = kroot.resolve("lib/modules").resolve(kver);
            RootTree root = ApplianceRoot.build(new ApplianceRoot.Inputs(c.lock(), cache, moddir, kver, jre, c.leoPackage(), c.imageId(),
                    DISK_ID, c.sourceDateEpoch(), work));
            steps.done("root tree (" + root.nodes().size() + " entries)");
            Path squashfs = work.resolve("root.squashfs");
            SquashfsImage.build(root, squashfs, c.sourceDateEpoch(), work);
            Tree.delete(work.resolve("root"));
            steps.done("squashfs (" + SquashfsImage.COMPRESSION + ")");
            Path hashes = work.resolve("root.verity");
            VerityHashTree.Params verity = VerityHashTree.write(squashfs, hashes);
            steps.done("dm-verity hash tree");
            byte[] initrd = ApplianceInitramfs.build(c.lock(), cache, new KernelModules(moddir), c.imageId(), c.sourceDateEpoch());
            steps.done("initramfs");
            Path boot = work.resolve("boot.vfat");
            FatImage.build(boot, BootPartition.BYTES, BootPartition.VOLUME_ID, BootPartition.LABEL,
                    BootPartition.files(cache.unpacked(c.lock().require("raspi-firmware")), kroot, kver, initrd, DISK_ID, verity),
                    c.sourceDateEpoch(), work);
            steps.done("boot partition (FAT32)");

            Files.createDirectories(c.outDir());
            Path image = c.outDir().resolve(IMAGE);
            List<Partition> parts = writeDisk(image, List.of(boot, squashfs, hashes), List.of("boot", "root", "verity"),
                    List.of(MbrPartitionTable.TYPE_FAT32_LBA, MbrPartitionTable.TYPE_LINUX, MbrPartitionTable.TYPE_LINUX));
            Path info = c.outDir().resolve(INFO);
            Files.writeString(info, info(c, kver, verity, parts, tools), StandardCharsets.US_ASCII);
            steps.done("disk image");
            Optional<Path> manifest = Optional.empty();
            if (c.manifestKey() != null) {
                manifest = Optional.of(c.outDir().resolve(MANIFEST));
                ManifestTool.create(c.outDir(), c.manifestKey(), manifest.get(), c.imageId(), Instant.ofEpochSecond(c.sourceDateEpoch()));
                steps.done("signed manifest");
            }
            long size = Files.size(image);
            LOG.info("built appliance image {}: {} bytes, root hash {}", c.imageId(), size, verity.rootHashHex());
            return new Result(image, info, manifest, kver, verity, parts, size, root.nodes().size(), tools, steps.steps());
        } finally {
            Tree.delete(work);
        }
    }

    /** Writes the MBR and the partitions, each at a whole MiB, the first at 1 MiB. */
    static List<Partition> writeDisk(Path image, List<Path> contents, List<String> names, List<Integer> types) throws IOException {
        List<MbrPartitionTable.Partition> table = new ArrayList<>();
        long next = MIB_SECTORS;
        for (int i = 0; i < contents.size(); i++) {
            long sectors = (Files.size(contents.get(i)) + MbrPartitionTable.SECTOR - 1) / MbrPartitionTable.SECTOR;
            sectors = (sectors + MIB_SECTORS - 1) / MIB_SECTORS * MIB_SECTORS;
            table.add(new MbrPartitionTable.Partition(types.get(i), i == 0, next, sectors));
            next += sectors;
        }
        Files.deleteIfExists(image);
        List<Partition> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(MbrPartitionTable.sector(DISK_ID, table)), 0);
            for (int i = 0; i < contents.size(); i++) {
                MbrPartitionTable.Partition p = table.get(i);
                try (FileChannel in = FileChannel.open(contents.get(i))) {
                    long pos = 0;
                    long size = in.size();
                    while (pos < size) {
                        pos += in.transferTo(pos, size - pos, ch.position(p.start() * MbrPartitionTable.SECTOR + pos));
                    }
                }
                out.add(new Partition(i + 1, names.get(i), p.start(), p.sectors(), Sha256.hex(contents.get(i))));
            }
            long end = table.get(table.size() - 1).end() * MbrPartitionTable.SECTOR;
            if (ch.size() < end) {
                ch.write(ByteBuffer.wrap(new byte[1]), end - 1);
            }
        }
        return out;
    }

    /** The image's record: layout, partition digests, dm-verity parameters, kernel and tools. */
    static String info(Config c, String kver, VerityHashTree.Params v, List<Partition> parts, List<String> tools) {
        StringBuilder b = new StringBuilder();
        b.append("leo-appliance-image v1\n");
        b.append("image-id: ").append(c.imageId()).append('\n');
        b.append("source-date-epoch: ").append(c.sourceDateEpoch()).append('\n');
        b.append("kernel: ").append(kver).append('\n');
        b.append("disk-id: ").append(HexFormat.of().toHexDigits(DISK_ID)).append('\n');
        for (Partition p : parts) {
            b.append("partition ").append(p.number()).append(' ').append(p.name()).append(": start ").append(p.start()).append(" sectors ")
                    .append(p.sectors()).append(" sha256 ").append(p.sha256()).append('\n');
        }
        b.append("verity-roothash: ").append(v.rootHashHex()).append('\n');
        b.append("verity-salt: ").append(v.saltHex()).append('\n');
        b.append("verity-uuid: ").append(v.uuidText()).append('\n');
        b.append("verity-data-blocks: ").append(v.dataBlocks()).append('\n');
        b.append("cmdline: ").append(BootPartition.cmdline(DISK_ID, v)).append('\n');
        for (String tool : tools) {
            b.append("built-with: ").append(tool).append('\n');
        }
        return b.toString();
    }

}
