package org.leo.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.leo.image.pe.PeFormatException;
import org.leo.image.pe.PeImage;
import org.leo.image.pe.UkiBuilder;
import org.leo.image.pe.UkiMeasurements;
import org.leo.boot.manifest.IpxeTemplate;

/**
 * The image's unified kernel image, {@value IpxeTemplate#UKI}: the pinned systemd-stub
 * ({@value #STUB_PACKAGE}) with {@code .osrel} (naming the image), {@code .cmdline} (the image's own
 * kernel arguments, as in its iPXE template), {@code .linux} (the image's {@code vmlinuz}) and
 * {@code .initrd} (the image's {@code initrd.img}, the same bytes), assembled by {@link UkiBuilder};
 * and beside it {@value #MEASUREMENTS}, what booting it through OVMF and systemd-stub 252 measures
 * ({@link UkiMeasurements#toText}). Both land in the output directory and so in the signed manifest.
 *
 * <p>UEFI HPCs boot this file (the template chains it on iPXE's {@code efi} platform), so their
 * firmware measures it into PCR 4 and the stub its sections into PCR 11; BIOS HPCs keep loading
 * kernel and initrd, unmeasured. The {@code .cmdline} section is documentation: under iPXE the stub
 * always gets load options ("leo-hpc.efi ARGS", see docs/measured-boot-probe.md), which win; it is
 * measured into PCR 11 all the same.
 *
 * <p>arm64 has no UKI yet, although Debian's arm64 {@code vmlinuz} is a PE (the uncompressed
 * {@code Image} with the kernel's EFI stub): Debian's {@code linuxaa64.efi.stub} is built with
 * gnu-efi, and its header padding after the two section headers is filled with NOP instructions,
 * which {@link UkiBuilder} refuses to overwrite with the new section headers. So the arm64 lock
 * pins no {@value #STUB_PACKAGE} and the builder says that it builds no UKI.
 *
 * <p>Memory: the initrd (~38 MB) is read once into the {@code .initrd} section, the kernel once,
 * and the UKI is one array of their sum; nothing else is copied but the kernel's bytes for its
 * Authenticode hash.
 */
public final class HpcUki {
    /** The Debian package whose EFI stub the UKI is built on. */
    public static final String STUB_PACKAGE = "systemd-boot-efi";
    /** The measurements file beside the UKI. */
    public static final String MEASUREMENTS = IpxeTemplate.UKI + ".measurements";

    /** The written UKI, its measurements file, and what they say. */
    public record Built(Path uki, Path measurementsFile, UkiMeasurements measurements, long bytes) {
    }

    private HpcUki() {
    }

    /** The stub's path in the unpacked package, per architecture (systemd's EFI architecture names). */
    static String stubPath(String arch) {
        return switch (arch) {
            case "amd64" -> "usr/lib/systemd/boot/efi/linuxx64.efi.stub";
            case "arm64" -> "usr/lib/systemd/boot/efi/linuxaa64.efi.stub";
            default -> throw new IllegalArgumentException("no systemd-stub for architecture " + arch);
        };
    }

    /** The {@code .osrel} section: an os-release(5) text naming the image. */
    static String osRelease(String imageId) {
        String quoted = imageId.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "\\$").replace("`", "\\`");
        return "ID=leo-hpc\nNAME=\"Leo HPC image\"\nIMAGE_ID=\"" + quoted + "\"\n";
    }

    /**
     * Builds {@value IpxeTemplate#UKI} and {@value #MEASUREMENTS} in {@code outDir} from the
     * unpacked stub package and the image's own kernel and initrd.
     *
     * @param stubRoot   the unpacked {@value #STUB_PACKAGE} of the image's architecture
     * @param kernelArgs the image's own kernel arguments (the {@code .cmdline} section)
     * @throws IOException if the stub is missing, a file is not what the UKI needs (not a PE, another
     *                     machine than the stub's), or writing fails
     */
    public static Built build(Path stubRoot, String arch, Path vmlinuz, Path initrd, String imageId, String kernelArgs, Path outDir)
            throws IOException {
        Path stubFile = stubRoot.resolve(stubPath(arch));
        if (!Files.isRegularFile(stubFile)) {
            throw new IOException("the " + arch + " " + STUB_PACKAGE + " package has no " + stubPath(arch) + ": cannot build "
                    + IpxeTemplate.UKI);
        }
        byte[] stub = Files.readAllBytes(stubFile);
        byte[] kernel = Files.readAllBytes(vmlinuz);
        UkiBuilder.Uki uki;
        try {
            int stubMachine = PeImage.parse(stub).machine();
            int kernelMachine;
            try {
                kernelMachine = PeImage.parse(kernel).machine();
            } catch (PeFormatException e) {
                throw new PeFormatException(vmlinuz.getFileName() + " is not a PE image (" + e.getMessage()
                        + "): systemd-stub can start only a kernel with an EFI stub");
            }
            if (stubMachine != kernelMachine) {
                throw new PeFormatException("the stub is for PE machine 0x" + Integer.toHexString(stubMachine) + ", "
                        + vmlinuz.getFileName() + " for 0x" + Integer.toHexString(kernelMachine));
            }
            uki = UkiBuilder.build(stub, List.of(new UkiBuilder.Section(".osrel", osRelease(imageId)),
                    new UkiBuilder.Section(".cmdline", kernelArgs), new UkiBuilder.Section(".linux", kernel),
                    new UkiBuilder.Section(".initrd", Files.readAllBytes(initrd))));
        } catch (PeFormatException e) {
            throw new IOException("cannot build " + IpxeTemplate.UKI + " for " + arch + ": " + e.getMessage(), e);
        }
        Path file = write(outDir, IpxeTemplate.UKI, uki.image());
        Path text = write(outDir, MEASUREMENTS, uki.measurements().toText().getBytes(StandardCharsets.US_ASCII));
        return new Built(file, text, uki.measurements(), uki.image().length);
    }

    /** Writes through a temporary file and a rename, as the initrd is written: no half file under the final name. */
    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path tmp = dir.resolve("." + name + ".tmp");
        Files.write(tmp, bytes);
        return Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
