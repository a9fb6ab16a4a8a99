package org.leo.image.flash;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The host's block devices as Linux shows them, read under a root directory: the real {@code /}, or a fixture tree in
 * tests. Devices are named as in {@code /sys/class/block} ({@code sda}, {@code sda1}, {@code dm-0}, {@code mmcblk0p2},
 * {@code loop3}). What it reads:
 * <ul>
 * <li>{@code sys/dev/block/MAJ:MIN} (a link into {@code /sys/devices}): the device a number names;</li>
 * <li>{@code sys/class/block/NAME/partition}: NAME is a partition, and the directory above it is its disk;</li>
 * <li>{@code sys/class/block/NAME/slaves/*} and {@code holders/*}: the devices a device-mapper, md or bcache device is
 * built on, and those built on NAME;</li>
 * <li>{@code sys/class/block/NAME/loop/backing_file}: the file a loop device reads;</li>
 * <li>{@code sys/class/block/NAME/size} (512-byte sectors, whatever the device's block size), {@code ro},
 * {@code dm/name}, {@code device/vendor} and {@code device/model};</li>
 * <li>{@code proc/self/mountinfo} and {@code proc/swaps} ({@link MountTable}).</li>
 * </ul>
 * Links are resolved inside the root, so a fixture's relative links behave as sysfs's do.
 */
public final class BlockDevices {
    /** How deep slaves and loop backing files are followed: device stacks are a few levels, a cycle is a broken tree. */
    static final int MAX_DEPTH = 16;
    private final Path root;

    public BlockDevices(Path root) {
        this.root = root;
    }

    /** The running system's devices. */
    public static BlockDevices host() {
        return new BlockDevices(Path.of("/"));
    }

    Path root() {
        return root;
    }

    private Path classBlock(String name) {
        return root.resolve("sys/class/block").resolve(name);
    }

    /** Whether {@code name} is a block device the kernel lists. */
    public boolean exists(String name) {
        return !name.contains("/") && !name.startsWith(".") && Files.isDirectory(classBlock(name));
    }

    /** The device numbered {@code major:minor}, if it is a block device. */
    public Optional<String> byNumber(int major, int minor) {
        Path link = root.resolve("sys/dev/block").resolve(major + ":" + minor);
        try {
            return Optional.of(link.toRealPath().getFileName().toString()).filter(this::exists);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The device a path under {@code /dev} names ({@code /dev/sda1}, {@code /dev/mapper/root}, {@code /dev/disk/by-uuid/...}):
     * the file name after following links, if the kernel lists a block device of that name. Used for mount sources and
     * swap partitions, where the kernel gives a path, not a number.
     */
    public Optional<String> byDevPath(String devPath) {
        if (!devPath.startsWith("/dev/")) {
            return Optional.empty();
        }
        try {
            Path p = root.resolve(devPath.substring(1)).toRealPath();
            return Optional.of(p.getFileName().toString()).filter(this::exists);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public boolean isPartition(String name) {
        return Files.exists(classBlock(name).resolve("partition"));
    }

    /** The disk {@code name} is a partition of, or {@code name} itself. */
    public String wholeDisk(String name) {
        if (!isPartition(name)) {
            return name;
        }
        try {
            return classBlock(name).toRealPath().getParent().getFileName().toString();
        } catch (IOException e) {
            return name;
        }
    }

    /** The partitions of the disk {@code name}, sorted by name. */
    public List<String> partitions(String name) {
        try (Stream<Path> children = Files.list(classBlock(name).toRealPath())) {
            return children.filter(c -> Files.exists(c.resolve("partition"))).map(c -> c.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The devices {@code name} is built on (a device-mapper or md device's members). */
    public List<String> slaves(String name) {
        return listed(classBlock(name).resolve("slaves"));
    }

    /** The devices built on {@code name} (device-mapper, md). */
    public List<String> holders(String name) {
        return listed(classBlock(name).resolve("holders"));
    }

    private static List<String> listed(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The file a loop device reads, if it is attached. */
    public Optional<String> loopBackingFile(String name) {
        return read(classBlock(name).resolve("loop/backing_file")).filter(s -> s.startsWith("/"));
    }

    /** Size in bytes ({@code size} counts 512-byte sectors whatever the logical block size). */
    public long sizeBytes(String name) {
        return read(classBlock(name).resolve("size")).map(s -> {
            try {
                return Long.parseLong(s) * 512L;
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    public boolean readOnly(String name) {
        return read(classBlock(name).resolve("ro")).map("1"::equals).orElse(false);
    }

    /** What an operator recognizes the device by: "/dev/mapper/NAME" for device-mapper, else "/dev/NAME". */
    public String displayName(String name) {
        return read(classBlock(name).resolve("dm/name")).map(n -> "/dev/mapper/" + n + " (" + name + ")").orElse("/dev/" + name);
    }

    /** Vendor and model as the disk reports them ("Generic STORAGE DEVICE"), or empty. */
    public String model(String name) {
        String disk = wholeDisk(name);
        String vendor = read(classBlock(disk).resolve("device/vendor")).orElse("");
        String model = read(classBlock(disk).resolve("device/model")).orElse("");
        return (vendor + " " + model).strip();
    }

    /**
     * {@code name}, and every device below it: slaves, recursively, and with {@code throughLoops}, for a loop device, the
     * device its backing file is on. What a mount uses goes through loops (a root file system in a loop file pins the disk
     * holding the file); what a write to a device touches does not (writing a loop device writes its file, not the raw disk
     * under the file's file system).
     */
    public Set<String> below(String name, boolean throughLoops) {
        Set<String> out = new LinkedHashSet<>();
        below(name, throughLoops, out, 0);
        return out;
    }

    private void below(String name, boolean throughLoops, Set<String> out, int depth) {
        if (depth > MAX_DEPTH || !out.add(name)) {
            return;
        }
        for (String s : slaves(name)) {
            below(s, throughLoops, out, depth + 1);
        }
        Optional<String> backing = throughLoops ? loopBackingFile(name) : Optional.empty();
        if (backing.isPresent()) {
            Optional<MountTable.Mount> holding = mountHolding(mounts(), backing.get());
            Optional<String> dev = holding.flatMap(this::deviceOf);
            if (dev.isPresent()) {
                below(dev.get(), true, out, depth + 1);
            }
        }
    }

    /** The block device a mount is from: its device number, else its source path; empty for tmpfs, proc, overlay and the like. */
    public Optional<String> deviceOf(MountTable.Mount m) {
        if (m.major() != 0) {
            Optional<String> byNumber = byNumber(m.major(), m.minor());
            if (byNumber.isPresent()) {
                return byNumber;
            }
        }
        return byDevPath(m.source());
    }

    /** The block device a swap area is on: the partition itself, or the device of the file system holding the swap file. */
    public Optional<String> deviceOf(MountTable.Swap s, List<MountTable.Mount> mounts) {
        if (!s.isFile()) {
            return byDevPath(s.path());
        }
        return mountHolding(mounts, s.path()).flatMap(this::deviceOf);
    }

    /** The mount whose mount point is the longest prefix of {@code file} (the last one mounted there, when several are). */
    static Optional<MountTable.Mount> mountHolding(List<MountTable.Mount> mounts, String file) {
        MountTable.Mount best = null;
        for (MountTable.Mount m : mounts) {
            String mp = m.mountPoint();
            boolean holds = mp.equals("/") || file.equals(mp) || file.startsWith(mp.endsWith("/") ? mp : mp + "/");
            if (holds && (best == null || mp.length() >= best.mountPoint().length())) {
                best = m;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The mount table (empty if it cannot be read: the guard then refuses, see {@link DeviceGuard}). */
    public List<MountTable.Mount> mounts() {
        return read(root.resolve("proc/self/mountinfo"), Integer.MAX_VALUE).map(MountTable::parseMountInfo).orElse(List.of());
    }

    public boolean mountTableReadable() {
        return Files.isReadable(root.resolve("proc/self/mountinfo"));
    }

    public List<MountTable.Swap> swaps() {
        return read(root.resolve("proc/swaps"), Integer.MAX_VALUE).map(MountTable::parseSwaps).orElse(List.of());
    }

    /** The devices of every mount and swap area, each with what uses it ("mounted on /boot", "swap /swapfile"). */
    public List<Use> uses() {
        List<MountTable.Mount> mounts = mounts();
        List<Use> uses = new ArrayList<>();
        for (MountTable.Mount m : mounts) {
            deviceOf(m).ifPresent(d -> uses.add(new Use(d, Use.Kind.MOUNT, m.mountPoint())));
        }
        for (MountTable.Swap s : swaps()) {
            deviceOf(s, mounts).ifPresent(d -> uses.add(new Use(d, s.isFile() ? Use.Kind.SWAP_FILE : Use.Kind.SWAP, s.path())));
        }
        return uses;
    }

    /** A device in use by the running system: mounted at {@code where}, a swap area, or holding a swap file ({@code where} is its path). */
    public record Use(String device, Kind kind, String where) {
        public enum Kind { MOUNT, SWAP, SWAP_FILE }

        /** "mounted on /boot", "an active swap area (/dev/sda3)", "holding the active swap file /swapfile". */
        public String sentence() {
            return switch (kind) {
                case MOUNT -> "mounted on " + where;
                case SWAP -> "an active swap area (" + where + ")";
                case SWAP_FILE -> "holding the active swap file " + where;
            };
        }
    }

    private static Optional<String> read(Path file) {
        return read(file, 4096);
    }

    private static Optional<String> read(Path file, int max) {
        try {
            byte[] b;
            try (var in = Files.newInputStream(file)) {
                b = in.readNBytes(Math.min(max, 64 << 20));
            }
            return Optional.of(new String(b, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
