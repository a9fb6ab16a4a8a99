package org.leo.image.flash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code --device} names, resolved: a block device (links such as {@code /dev/disk/by-id/...} followed, then found
 * in sysfs by its device number, so the name is the kernel's), or, only with {@code --force-file}, a regular file that
 * stands in for one in tests of this command's logic.
 *
 * @param path      the device node or file after following links
 * @param blockName the kernel's name of the block device ({@code sdb}, {@code loop3}); empty for a regular file
 * @param size      its size in bytes
 * @param model     vendor and model as the disk reports them, or empty
 */
public record FlashTarget(Path path, Optional<String> blockName, long size, String model) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;

    public boolean isBlockDevice() {
        return blockName.isPresent();
    }

    /** "/dev/sdb (Generic STORAGE DEVICE, 29.7 GiB)". */
    public String describe() {
        return path + " (" + (model.isEmpty() ? "" : model + ", ") + Progress.bytes(size) + (isBlockDevice() ? "" : ", a regular file") + ")";
    }

    /**
     * @throws FlashRefused when {@code device} does not exist, or is not a block device (a regular file is accepted with
     *                      {@code forceFile})
     */
    public static FlashTarget resolve(Path device, boolean forceFile, BlockDevices host) throws FlashRefused, IOException {
        if (!Files.exists(device)) {
            throw new FlashRefused("no such device " + device);
        }
        Path real = device.toRealPath();
        int type = ((Integer) Files.getAttribute(real, "unix:mode")) & S_IFMT;
        if (type == S_IFREG) {
            if (!forceFile) {
                throw new FlashRefused(device + " is a regular file, not a block device (--force-file writes into a regular file, "
                        + "for tests of this command only)");
            }
            return new FlashTarget(real, Optional.empty(), Files.size(real), "");
        }
        if (type != S_IFBLK) {
            throw new FlashRefused(device + " is not a block device");
        }
        long rdev = (Long) Files.getAttribute(real, "unix:rdev");
        int major = major(rdev);
        int minor = minor(rdev);
        String name = host.byNumber(major, minor).orElseThrow(() -> new FlashRefused(device + " is block device " + major + ":" + minor
                + ", which /sys/dev/block does not list"));
        return new FlashTarget(real, Optional.of(name), host.sizeBytes(name), host.model(name));
    }

    /** glibc's gnu_dev_major: bits 8..19 and 32..43 of a Linux dev_t. */
    static int major(long dev) {
        return (int) (((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL));
    }

    /** glibc's gnu_dev_minor: bits 0..7 and 20..31 of a Linux dev_t. */
    static int minor(long dev) {
        return (int) ((dev & 0xff) | ((dev >>> 12) & ~0xffL));
    }
}
