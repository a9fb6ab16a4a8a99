package org.leo.appliance.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.leo.image.HpcImageBuilder;
import org.leo.image.InputsLock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code leo image}: the HPC boot image. */
@Command(name = "image",
        mixinStandardHelpOptions = true,
        subcommands = {ImageCommand.BuildHpc.class, ImageBuildApplianceCommand.class, ImageVerifyCommand.class, ImageBuildServiceCommand.class},
        description = {"The HPC boot image: a reproducible kernel and initramfs holding the agent, and its signed manifest; "
                + "the Raspberry Pi appliance's own disk image; and the service images tasks run in, built from pinned Debian packages."})
public class ImageCommand {
    /** The inputs both build-hpc and verify take. Defaults are the repository's paths (run from its root). */
    static class Inputs {
        @Option(names = "--arch", paramLabel = "ARCH",
                description = "The HPC's architecture: amd64 or arm64 (Debian's names). It chooses the lock file "
                        + "os-image/inputs.lock (amd64) or os-image/inputs-arm64.lock. Default: the --lock file's, else amd64.")
        String arch;

        @Option(names = "--lock", paramLabel = "FILE",
                description = "The pinned inputs (Debian packages of one architecture and their SHA-256, the kernel and the JDK "
                        + "among them), instead of the --arch one.")
        Path lock;

        @picocli.CommandLine.Mixin
        ImageBuildOptions.Toolchain toolchain = new ImageBuildOptions.Toolchain();

        @Option(names = "--agent-jar", paramLabel = "JAR", defaultValue = "hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar",
                description = "The agent's jar. Default: ${DEFAULT-VALUE} (./mvnw -pl hpc-agent -am package).")
        Path agentJar;

        @Option(names = "--agent-lib", paramLabel = "DIR", defaultValue = "hpc-agent/target/agent-lib",
                description = "The agent's runtime dependencies (jars). Default: ${DEFAULT-VALUE}.")
        Path agentLib;

        @Option(names = "--jvm-options", paramLabel = "FILE", defaultValue = "hpc-agent/jvm.options",
                description = "The agent's JVM options. Default: ${DEFAULT-VALUE}.")
        Path jvmOptions;

        @Option(names = "--with-docker",
                description = "The variant with the task engine: dockerd, containerd and runc (pinned in the lock) started by /init "
                        + "after the network and before the agent, its data in RAM, no bridge, iptables or IP forwarding, and the "
                        + "agent told its socket (docs/booting.md \"The image with the task engine\"). 'leo image verify' of such an "
                        + "image needs it too.")
        boolean withDocker;

        HpcImageBuilder.Config config(Path out, long epoch, String imageId, Path key) throws IOException {
            if (lock == null) {
                lock = InputsLock.fileFor(Path.of("os-image"), arch == null ? "amd64" : arch);
            }
            for (Path p : List.of(lock, agentJar, agentLib, jvmOptions)) {
                if (!Files.exists(p)) {
                    throw new IOException(p + " does not exist (run from the repository root after ./mvnw package, or give its option)");
                }
            }
            InputsLock pinned = InputsLock.read(lock);
            if (arch != null && !pinned.arch().equals(arch)) {
                throw new IOException(lock + " pins " + pinned.arch() + " packages, not " + arch);
            }
            return new HpcImageBuilder.Config(pinned, toolchain.cache, HpcImageBuilder.agentJars(agentJar, agentLib), jvmOptions,
                    toolchain.jdkHome(), out, epoch, imageId, key, withDocker);
        }
    }

    /** {@code leo image build-hpc}. */
    @Command(name = "build-hpc",
            mixinStandardHelpOptions = true,
            headerHeading = "%n",
            header = "Build the HPC boot image: vmlinuz, initrd.img, leo-hpc.efi, boot.ipxe.template and, with --key, the signed boot manifest.",
            descriptionHeading = "%nDescription:%n",
            description = {"Fetches the Debian packages pinned in the lock file of the architecture with apt-get download (nothing is "
                    + "installed; for arm64 on an amd64 machine, dpkg needs the architecture: dpkg --add-architecture arm64), "
                    + "checks their SHA-256, and builds from them and the agent: the Debian kernel, and an initramfs (newc cpio, "
                    + "gzip -9) with static busybox, /init, the NIC, disk (virtio-blk, NVMe) and USB (xHCI) drivers, the libraries the JVM needs, a Java runtime made by "
                    + "jlink with only the agent's modules, and the agent. Every entry is owned by root and stamped with "
                    + "SOURCE_DATE_EPOCH, so the same inputs give the same bytes; 'leo image verify' checks that. OUT gets vmlinuz, "
                    + "initrd.img, leo-hpc.efi, leo-hpc.efi.measurements, boot.ipxe.template (the iPXE script leo pxe serve fills in "
                    + "per boot) and, with --key, boot-manifest.",
                    "",
                    "With the pinned systemd-boot-efi, also the unified kernel image leo-hpc.efi (systemd-stub 252 + the kernel + the "
                    + "initrd + the image's kernel arguments) and leo-hpc.efi.measurements, what booting it measures (the UKI's and "
                    + "the kernel's Authenticode digests for PCR 4, the sections and the value of PCR 11, the initrd for PCR 9). "
                    + "The iPXE template chains leo-hpc.efi on UEFI (measured) and loads vmlinuz and initrd.img on BIOS (not measured).",
                    "",
                    "The image's /init mounts /proc, /sys and /dev, loads the NIC, disk and USB drivers (mounting nothing), takes an address by DHCP and starts "
                    + "the agent, which finds the Pi and the CA to pin on the kernel command line that 'leo pxe serve --attest' "
                    + "writes. Nothing is mounted from disk and nothing persists. See docs/booting.md."},
            footerHeading = "%nExit status:%n",
            footer = {"  0  built", "  1  an input is missing or does not match the lock, or a tool failed", "  2  bad options",
                    "", "Examples:",
                    "  leo image build-hpc --out /srv/leo/boot --key /var/lib/leo/boot-manifest.key",
                    "  leo image build-hpc --arch arm64 --out /srv/leo/boot-arm64",
                    "  SOURCE_DATE_EPOCH=$(git log -1 --format=%%ct) leo image build-hpc --out /tmp/img"})
    public static class BuildHpc implements java.util.concurrent.Callable<Integer> {
        @picocli.CommandLine.Mixin
        Inputs inputs = new Inputs();

        @picocli.CommandLine.Mixin
        ImageBuildOptions.Output output = new ImageBuildOptions.Output();

        @Option(names = "--image-id", paramLabel = "ID", defaultValue = "leo-hpc",
                description = "The image's name, in the manifest and in /etc/leo-image. Default: ${DEFAULT-VALUE}.")
        String imageId;

        @Override
        public Integer call() {
            try {
                HpcImageBuilder.Result r = HpcImageBuilder.build(inputs.config(output.out, output.sourceDateEpoch(), imageId, output.key));
                System.out.printf("built %s (kernel %s): %s %d bytes, %s %d bytes (%.1f MiB; %.1f MiB uncompressed, %d entries)%n",
                        imageId, r.kernelVersion(), r.vmlinuz(), Files.size(r.vmlinuz()), r.initrd(), r.initrdBytes(),
                        r.initrdBytes() / 1048576.0, r.initrdUncompressedBytes() / 1048576.0, r.entries());
                r.uki().ifPresent(u -> System.out.printf("unified kernel image: %s %d bytes, Authenticode sha256 %s, PCR 11 %s (%s)%n", u.uki(),
                        u.bytes(), java.util.HexFormat.of().formatHex(u.measurements().authenticode()),
                        java.util.HexFormat.of().formatHex(u.measurements().pcr11()), u.measurementsFile()));
                r.steps().forEach((k, v) -> System.out.printf("  %-60s %6.1f s%n", k, v.toMillis() / 1000.0));
                if (r.manifest() != null) {
                    System.out.println("signed manifest: " + r.manifest());
                }
                return 0;
            } catch (IOException | RuntimeException e) {
                System.err.println("leo image build-hpc: " + e.getMessage());
                return 1;
            }
        }
    }
}
