package org.leo.image.flash;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixture host for {@link BlockDevices}: the parts of /sys, /proc and /dev it reads, laid out as Linux lays them out
 * (a disk's partitions are directories inside the disk's, /sys/class/block and /sys/dev/block are relative links into
 * /sys/devices, /dev/mapper names are links to ../dm-N).
 */
final class FakeHost {
    private final Path root;
    private final List<String> mountinfo = new ArrayList<>();
    private final List<String> swaps = new ArrayList<>(List.of("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority"));
    private int mountId = 20;

    FakeHost(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** A disk on a PCI controller: /sys/devices/pci0000:00/block/NAME. */
    FakeHost disk(String name, int major, int minor, long sectors) {
        return device("devices/pci0000:00/block/" + name, name, major, minor, sectors);
    }

    FakeHost partition(String disk, String name, int major, int minor, long sectors) {
        device("devices/pci0000:00/block/" + disk + "/" + name, name, major, minor, sectors);
        return write("sys/devices/pci0000:00/block/" + disk + "/" + name + "/partition", name.replaceAll("\\D*(\\d+)$", "$1"));
    }

    /** A device-mapper, md or loop device: /sys/devices/virtual/block/NAME. */
    FakeHost virtual(String name, int major, int minor, long sectors) {
        return device("devices/virtual/block/" + name, name, major, minor, sectors);
    }

    private FakeHost device(String sysPath, String name, int major, int minor, long sectors) {
        try {
            Path dir = Files.createDirectories(root.resolve("sys").resolve(sysPath));
            Files.writeString(dir.resolve("size"), sectors + "\n");
            Files.writeString(dir.resolve("ro"), "0\n");
            Files.writeString(dir.resolve("dev"), major + ":" + minor + "\n");
            link("sys/class/block/" + name, "../../" + sysPath);
            link("sys/dev/block/" + major + ":" + minor, "../../" + sysPath);
            Files.createDirectories(root.resolve("dev"));
            Files.writeString(root.resolve("dev").resolve(name), "");
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code upper} is built on {@code lower}: upper/slaves/lower and lower/holders/upper. */
    FakeHost slave(String upper, String lower) {
        link("sys/class/block/" + upper + "/slaves/" + lower, "../../" + lower);
        link("sys/class/block/" + lower + "/holders/" + upper, "../../" + upper);
        return this;
    }

    FakeHost dmName(String dm, String name) {
        write("sys/class/block/" + dm + "/dm/name", name + "\n");
        link("dev/mapper/" + name, "../" + dm);
        return this;
    }

    FakeHost backingFile(String loop, String file) {
        return write("sys/class/block/" + loop + "/loop/backing_file", file + "\n");
    }

    FakeHost readOnly(String name) {
        return write("sys/class/block/" + name + "/ro", "1\n");
    }

    FakeHost model(String disk, String vendor, String model) {
        write("sys/class/block/" + disk + "/device/vendor", vendor + "  \n");
        return write("sys/class/block/" + disk + "/device/model", model + "\n");
    }

    /** A mountinfo line: {@code majMin} "0:42" for file systems without a device. */
    FakeHost mount(String majMin, String mountPoint, String fsType, String source) {
        mountinfo.add(mountId + " 1 " + majMin + " / " + mountPoint.replace(" ", "\\040") + " rw,relatime shared:" + mountId + " - " + fsType
                + " " + source + " rw");
        mountId++;
        return this;
    }

    FakeHost swap(String path, String type) {
        swaps.add(path.replace(" ", "\\040") + "\t" + type + "\t\t1048572\t\t0\t\t-2");
        return this;
    }

    /** Writes /proc/self/mountinfo and /proc/swaps as they stand. */
    BlockDevices devices() {
        write("proc/self/mountinfo", String.join("\n", mountinfo) + "\n");
        write("proc/swaps", String.join("\n", swaps) + "\n");
        return new BlockDevices(root);
    }

    private FakeHost write(String path, String text) {
        try {
            Path p = root.resolve(path);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void link(String path, String target) {
        try {
            Path p = root.resolve(path);
            Files.createDirectories(p.getParent());
            Files.createSymbolicLink(p, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
