package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.leo.image.InputsLock;
import org.leo.image.appliance.ApplianceImageBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code leo image build-appliance}: the Raspberry Pi appliance's own disk image. */
@Command(name = "build-appliance",
        mixinStandardHelpOptions = true,
        headerHeading = "%n",
        header = "Build the Raspberry Pi 4 appliance image (arm64): one disk image to write to an SD card, reproducible, with a dm-verity root.",
        descriptionHeading = "%nDescription:%n",
        description = {"Fetches the Debian packages pinned in os-image/appliance-arm64.lock with apt-get download (nothing is installed; "
                + "dpkg needs arm64 among its architectures, and raspi-firmware is in bookworm's non-free-firmware component: "
                + "scripts/install-deps sets up both), checks their SHA-256, and builds OUT/leo-appliance.img: an MBR disk with "
                + "the boot partition (FAT32: the Pi 4's firmware, the kernel, an initramfs, the device trees, the SPI TPM overlay "
                + "tpm-slb9670, config.txt, cmdline.txt), the root file system (squashfs, read-only: systemd, the Java runtime "
                + "linked with jlink, the Leo package and its unit, tpm2-tools, nftables, cryptsetup) and its dm-verity hash tree. "
                + "The initramfs opens the root with the root hash of cmdline.txt; a changed block reads as an I/O error.",
                "",
                "The state partition is not in the image: the first boot makes it in the rest of the SD card, LUKS2 with its key "
                + "sealed to the Pi's TPM, and copies a LEO-SEED volume's configuration into it. OUT/leo-appliance.info says the "
                + "layout, every partition's SHA-256, the root hash and the build tools' versions; with --key, "
                + "OUT/leo-appliance.manifest signs both files. Two builds of the same inputs give the same bytes: "
                + "'leo image verify --appliance' checks a manifest that way. See docs/appliance-image.md.",
                "",
                "OUT gets leo-appliance.img, leo-appliance.info and, with --key, leo-appliance.manifest."},
        footerHeading = "%nExit status:%n",
        footer = {"  0  built", "  1  an input is missing or does not match the lock, a build tool is another version, or a tool failed",
                "  2  bad options", "", "Examples:",
                "  leo image build-appliance --out /srv/leo/appliance --key /etc/leo/boot-manifest.key",
                "  SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct) leo image build-appliance --out /tmp/pi"})
public class ImageBuildApplianceCommand implements Callable<Integer> {
    /** The inputs both build-appliance and verify --appliance take. Defaults are the repository's paths (run from its root). */
    static class Inputs {
        static final String LOCK = "os-image/appliance-arm64.lock";

        @Option(names = "--appliance-lock", paramLabel = "FILE", defaultValue = LOCK,
                description = "The appliance's pinned Debian packages (arm64, and architecture-independent firmware). Default: ${DEFAULT-VALUE}.")
        Path lock;

        @Option(names = "--leo-deb", paramLabel = "FILE", defaultValue = "appliance/target/leo_0.1.0-SNAPSHOT_all.deb",
                description = "The Leo Debian package to put in the image (./mvnw -pl appliance -am package). Default: ${DEFAULT-VALUE}.")
        Path leoDeb;

        ApplianceImageBuilder.Config config(ImageBuildOptions.Toolchain toolchain, Path out, long epoch, String imageId, Path key)
                throws IOException {
            for (Path p : List.of(lock, leoDeb)) {
                if (!Files.exists(p)) {
                    throw new IOException(p + " does not exist (run from the repository root after ./mvnw package, or give its option)");
                }
            }
            return new ApplianceImageBuilder.Config(InputsLock.read(lock), toolchain.cache, leoDeb, toolchain.jdkHome(), out, epoch, imageId, key);
        }
    }

    @Mixin
    Inputs inputs = new Inputs();

    @Mixin
    ImageBuildOptions.Toolchain toolchain = new ImageBuildOptions.Toolchain();

    @Mixin
    ImageBuildOptions.Output output = new ImageBuildOptions.Output();

    @Option(names = "--image-id", paramLabel = "ID", defaultValue = "leo-appliance",
            description = "The image's name, in the manifest, /etc/leo-image and os-release. Default: ${DEFAULT-VALUE}.")
    String imageId;

    @Override
    public Integer call() {
        try {
            ApplianceImageBuilder.Result r = ApplianceImageBuilder.build(inputs.config(toolchain, output.out, output.sourceDateEpoch(), imageId,
                    output.key));
            System.out.printf("built %s (kernel %s): %s %d bytes (%.1f MiB), root hash %s%n", imageId, r.kernelVersion(), r.image(),
                    r.imageBytes(), r.imageBytes() / 1048576.0, r.verity().rootHashHex());
            for (ApplianceImageBuilder.Partition p : r.partitions()) {
                System.out.printf("  partition %d %-6s %7.1f MiB sha256 %s%n", p.number(), p.name(), p.sectors() / 2048.0, p.sha256());
            }
            r.steps().forEach((k, v) -> System.out.printf("  %-60s %6.1f s%n", k, v.toMillis() / 1000.0));
            System.out.println("record: " + r.info());
            r.manifest().ifPresent(m -> System.out.println("signed manifest: " + m));
            return 0;
        } catch (IOException | RuntimeException e) {
            System.err.println("leo image build-appliance: " + e.getMessage());
            return 1;
        }
    }
}
