package org.leo.image.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the Pi's boot partition holds, file by file: the GPU firmware of the Pi 4 ({@code start4.elf},
 * {@code fixup4.dat}: its EEPROM bootloader loads them from the first FAT partition), the Pi 4
 * family's device trees (Pi 4 B, Pi 400, Compute Module 4 on its IO board) from the kernel
 * package, the TPM overlay ({@link TpmOverlay}), the kernel, the initramfs, {@code config.txt}
 * and {@code cmdline.txt}, and the firmware's licence. No Pi 5 file: the pinned kernel (Linux 6.1)
 * has no BCM2712 device tree, and the Pi 5 keeps its firmware in its EEPROM.
 */
final class BootPartition {
    /** The FAT partition's size: the kernel (32 MiB), the initramfs and the firmware with room to spare. */
    static final long BYTES = 128L << 20;
    static final int VOLUME_ID = 0x4c454f42; // "LEOB"
    static final String LABEL = "LEO-BOOT";
    static final List<String> FIRMWARE = List.of("start4.elf", "fixup4.dat");
    static final List<String> DEVICE_TREES = List.of("bcm2711-rpi-4-b.dtb", "bcm2711-rpi-400.dtb", "bcm2711-rpi-cm4-io.dtb");

    /** config.txt: what the firmware loads and how it starts the kernel. */
    static final String CONFIG_TXT = """
            # config.txt of the Leo appliance, written by leo image build-appliance (docs/appliance-image.md).
            # The Pi 4's firmware (start4.elf) reads it: it loads the kernel, the initramfs after it and the
            # board's device tree, applies the overlay, and starts the kernel in 64-bit mode with cmdline.txt.
            arm_64bit=1
            enable_uart=1
            upstream_kernel=1
            kernel=vmlinuz
            initramfs initrd.img followkernel
            # The SPI TPM (Infineon SLB9670 on SPI0, chip select 1): its pins (GPIO 7-11, ALT0), and the overlay
            # that enables the bus and declares the TPM. dtparam=spi=on does nothing with Debian's mainline
            # device trees (they have no parameters); it is there for the Raspberry Pi kernel's trees.
            gpio=7-11=a0
            dtparam=spi=on
            dtoverlay=tpm-slb9670
            """;

    private BootPartition() {
    }

    /**
     * The kernel command line: the serial console of the Pi 4 (the mini UART, ttyS1) and the screen,
     * the disk and the dm-verity root's parameters /init reads, the kernel's interface names, and a
     * reboot 10 s after a panic.
     */
    static String cmdline(int diskId, VerityHashTree.Params verity) {
        return "console=tty0 console=ttyS1,115200 " + verityArguments(diskId, verity) + " net.ifnames=0 panic=10 loglevel=4";
    }

    /** The arguments /init opens the root with: {@code leo.disk=}, {@code leo.verity.roothash=}, {@code .salt=}, {@code .blocks=}. */
    static String verityArguments(int diskId, VerityHashTree.Params verity) {
        return "leo.disk=" + HexFormat.of().toHexDigits(diskId) + " leo.verity.roothash=" + verity.rootHashHex() + " leo.verity.salt="
                + verity.saltHex() + " leo.verity.blocks=" + verity.dataBlocks();
    }

    /** Every file, by its path on the partition. */
    static SortedMap<String, byte[]> files(Path firmwarePackage, Path kernelPackage, String kernelVersion, byte[] initrd, int diskId,
            VerityHashTree.Params verity) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        for (String f : FIRMWARE) {
            files.put(f, Files.readAllBytes(firmwarePackage.resolve("usr/lib/raspi-firmware").resolve(f)));
        }
        files.put("LICENCE.raspi-firmware", Files.readAllBytes(firmwarePackage.resolve("usr/share/doc/raspi-firmware/copyright")));
        Path dtbs = kernelPackage.resolve("usr/lib/linux-image-" + kernelVersion + "/broadcom");
        for (String d : DEVICE_TREES) {
            files.put(d, Files.readAllBytes(dtbs.resolve(d)));
        }
        files.put("overlays/" + TpmOverlay.NAME + ".dtbo", TpmOverlay.dtbo());
        files.put("vmlinuz", Files.readAllBytes(kernelPackage.resolve("boot/vmlinuz-" + kernelVersion)));
        files.put("initrd.img", initrd);
        files.put("config.txt", CONFIG_TXT.getBytes(StandardCharsets.US_ASCII));
        files.put("cmdline.txt", (cmdline(diskId, verity) + "\n").getBytes(StandardCharsets.US_ASCII));
        return files;
    }
}
