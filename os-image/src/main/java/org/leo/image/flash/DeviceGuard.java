package org.leo.image.flash;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether a block device may be overwritten with an image: a pure function of what {@link BlockDevices} reads that
 * reports every reason it may not, in the words an operator reads ("/dev/sdb1 (a partition of /dev/sdb) is mounted on
 * /media/usb"). The reasons:
 * <ul>
 * <li>{@link Reason#SYSTEM_DISK}: the device, or the disk it is a partition of, or any device under it, is below a
 * file system the running system needs ({@link #SYSTEM_MOUNT_POINTS}) or an active swap area, through partitions,
 * device-mapper and md slaves and loop backing files: a root on LVM on {@code sda2} makes {@code sda} the system's
 * disk, and so does a root in a loop file on {@code sda1};</li>
 * <li>{@link Reason#MOUNTED}: the device or one of its partitions is below any mounted file system;</li>
 * <li>{@link Reason#SWAP}: the device or one of its partitions is below an active swap area;</li>
 * <li>{@link Reason#HELD}: the device or one of its partitions has holders (device-mapper, md, LVM, an open LUKS
 * volume), mounted or not;</li>
 * <li>{@link Reason#PARTITION}: an appliance image is a whole disk, with its own partition table;</li>
 * <li>{@link Reason#READ_ONLY}, {@link Reason#TOO_SMALL}, {@link Reason#NOT_FOUND}, {@link Reason#NO_MOUNT_TABLE}.</li>
 * </ul>
 * The kernel's own answer comes on top: {@link ExclusiveClaim} opens the device with O_EXCL, which fails while
 * anything has claimed it, and holds it while the image is written.
 */
public final class DeviceGuard {
    /** The file systems the running system needs: a disk under one of them is the system's disk. */
    public static final List<String> SYSTEM_MOUNT_POINTS = List.of("/", "/boot", "/boot/efi", "/boot/firmware", "/usr");

    /** Mount points named in one sentence; the rest are counted. */
    static final int MAX_LISTED = 4;

    public enum Reason { NOT_FOUND, NO_MOUNT_TABLE, SYSTEM_DISK, MOUNTED, SWAP, HELD, PARTITION, READ_ONLY, TOO_SMALL }

    /** One reason not to write: {@code sentence} says it in full. */
    public record Refusal(Reason reason, String sentence) { }

    private DeviceGuard() {
    }

    /**
     * The running system's disks, each with why ("/ is mounted from /dev/vda"): the whole disk of every device below a
     * {@link #SYSTEM_MOUNT_POINTS system mount} or a swap area, and every such device itself (a device-mapper root is the
     * system's device too). Ordered as found.
     */
    public static Map<String, String> systemDevices(BlockDevices host) {
        Map<String, String> out = new LinkedHashMap<>();
        for (BlockDevices.Use u : host.uses()) {
            if (u.kind() == BlockDevices.Use.Kind.MOUNT && !SYSTEM_MOUNT_POINTS.contains(u.where())) {
                continue;
            }
            String why = switch (u.kind()) {
                case MOUNT -> u.where() + " is mounted from " + host.displayName(u.device());
                case SWAP -> host.displayName(u.device()) + " is an active swap area";
                case SWAP_FILE -> "the active swap file " + u.where() + " is on " + host.displayName(u.device());
            };
            for (String d : host.below(u.device(), true)) {
                out.putIfAbsent(d, why);
                out.putIfAbsent(host.wholeDisk(d), why);
            }
        }
        return out;
    }

    /** Every reason not to write {@code imageBytes} bytes to the block device {@code target} (empty: it may be written). */
    public static List<Refusal> check(BlockDevices host, String target, long imageBytes) {
        List<Refusal> refusals = new ArrayList<>();
        String shown = host.displayName(target);
        if (!host.exists(target)) {
            refusals.add(new Refusal(Reason.NOT_FOUND, "the kernel lists no block device " + target));
            return refusals;
        }
        if (!host.mountTableReadable()) {
            refusals.add(new Refusal(Reason.NO_MOUNT_TABLE, "cannot read /proc/self/mountinfo, so cannot tell whether " + shown + " is in use"));
        }
        // What writing the target touches: the target, its partitions, and what it is built on (not through loop files).
        Set<String> touched = new LinkedHashSet<>(host.below(target, false));
        touched.addAll(host.partitions(target));
        Map<String, String> system = systemDevices(host);
        for (String t : touched) {
            String disk = host.wholeDisk(t);
            String on = system.containsKey(t) ? t : disk;
            String why = system.get(on);
            if (why != null) {
                refusals.add(new Refusal(Reason.SYSTEM_DISK, t.equals(target) && on.equals(target)
                        ? shown + " is the running system's disk: " + why
                        : shown + " is on the running system's disk " + host.displayName(on)
                                + (t.equals(target) || t.equals(on) ? "" : " (through " + host.displayName(t) + ")") + ": " + why));
                break;
            }
        }
        Set<String> inUse = new LinkedHashSet<>();
        Map<String, List<String>> mountedOn = new LinkedHashMap<>(); // "/dev/sdb1 (a partition of /dev/sdb) is " -> mount points
        List<Refusal> swaps = new ArrayList<>();
        for (BlockDevices.Use u : host.uses()) {
            Set<String> used = host.below(u.device(), true);
            inUse.addAll(used);
            for (String t : touched) {
                if (used.contains(t)) {
                    String subject = whose(host, target, t) + (u.device().equals(t) ? " is " : " is under " + host.displayName(u.device()) + ", ");
                    if (u.kind() == BlockDevices.Use.Kind.MOUNT) {
                        mountedOn.computeIfAbsent(subject, k -> new ArrayList<>()).add(u.where());
                    } else {
                        swaps.add(new Refusal(Reason.SWAP, subject + u.sentence()));
                    }
                    break;
                }
            }
        }
        mountedOn.forEach((subject, points) -> refusals.add(new Refusal(Reason.MOUNTED, subject + "mounted on " + enumerate(points))));
        refusals.addAll(swaps);
        for (String t : touched) {
            for (String h : host.holders(t)) {
                if (!touched.contains(h) && !inUse.contains(h)) { // a mounted holder is reported as such above
                    refusals.add(new Refusal(Reason.HELD, whose(host, target, t) + " is held by " + host.displayName(h)
                            + " (device-mapper, md or LVM: close or deactivate it first)"));
                }
            }
        }
        if (host.isPartition(target)) {
            refusals.add(new Refusal(Reason.PARTITION, shown + " is a partition of " + host.displayName(host.wholeDisk(target))
                    + ": an appliance image is a whole disk (give --device " + host.displayName(host.wholeDisk(target)) + ")"));
        }
        if (host.readOnly(target)) {
            refusals.add(new Refusal(Reason.READ_ONLY, shown + " is read-only (a card's write-protect switch, or blockdev --setro)"));
        }
        long size = host.sizeBytes(target);
        if (size < imageBytes) {
            refusals.add(new Refusal(Reason.TOO_SMALL, "the image (" + Progress.bytes(imageBytes) + ", " + imageBytes
                    + " bytes) is larger than " + shown + " (" + Progress.bytes(Math.max(size, 0)) + ", " + Math.max(size, 0) + " bytes)"));
        }
        return refusals;
    }

    /** "/a", "/a and /b", "/a, /b and /c", "/a, /b, /c, /d and 3 more" (bind mounts can be many). */
    static String enumerate(List<String> items) {
        int shown = items.size() > MAX_LISTED ? MAX_LISTED : items.size();
        String head = String.join(", ", items.subList(0, items.size() > MAX_LISTED ? shown : shown - 1));
        if (items.size() > MAX_LISTED) {
            return head + " and " + (items.size() - shown) + " more";
        }
        return shown == 1 ? items.get(0) : head + " and " + items.get(shown - 1);
    }

    /** "/dev/sdb" for the target itself, "/dev/sdb1 (a partition of /dev/sdb)" for one of its partitions, and so on. */
    private static String whose(BlockDevices host, String target, String t) {
        if (t.equals(target)) {
            return host.displayName(t);
        }
        return host.displayName(t) + (host.isPartition(t) && host.wholeDisk(t).equals(target)
                ? " (a partition of " + host.displayName(target) + ")" : " (under " + host.displayName(target) + ")");
    }
}
