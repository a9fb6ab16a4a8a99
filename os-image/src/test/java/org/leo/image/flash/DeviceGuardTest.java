package org.leo.image.flash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DeviceGuard} against fixture /sys, /proc and /dev trees ({@link FakeHost}) of the layouts that matter: a PC with
 * root, /boot and swap on one disk, a Raspberry Pi (root from "/dev/root", which exists nowhere), root on LVM, root on
 * md RAID, a live system whose root is a loop file on a USB stick, btrfs (no device number in mountinfo), an open LUKS
 * volume nothing mounts, a swap file; with every reason asserted by its exact sentence.
 */
class DeviceGuardTest {
    static final long MIB = 1L << 20;
    static final long GIB_SECTORS = 2L * 1024 * 1024;

    @TempDir
    Path dir;

    private static List<String> sentences(List<DeviceGuard.Refusal> refusals) {
        return refusals.stream().map(DeviceGuard.Refusal::sentence).toList();
    }

    /** sda: sda1 /boot, sda2 /, sda3 swap; sdb: a 32 GiB card, sdb1 mounted by the desktop; sdc: an empty card. */
    private FakeHost pc() {
        return new FakeHost(dir).disk("sda", 8, 0, 100 * GIB_SECTORS).partition("sda", "sda1", 8, 1, GIB_SECTORS)
                .partition("sda", "sda2", 8, 2, 90 * GIB_SECTORS).partition("sda", "sda3", 8, 3, 8 * GIB_SECTORS)
                .disk("sdb", 8, 16, 32 * GIB_SECTORS).partition("sdb", "sdb1", 8, 17, 32 * GIB_SECTORS).model("sdb", "Generic", "STORAGE DEVICE")
                .disk("sdc", 8, 32, 16 * GIB_SECTORS)
                .mount("0:21", "/proc", "proc", "proc").mount("8:2", "/", "ext4", "/dev/sda2").mount("8:1", "/boot", "vfat", "/dev/sda1")
                .mount("0:23", "/tmp", "tmpfs", "tmpfs").mount("8:17", "/media/user/SD CARD", "vfat", "/dev/sdb1")
                .swap("/dev/sda3", "partition");
    }

    @Test
    void theSystemDiskIsRefusedForEveryReasonItHas() {
        BlockDevices host = pc().devices();
        assertThat(DeviceGuard.systemDevices(host)).containsOnlyKeys("sda", "sda1", "sda2", "sda3")
                .containsEntry("sda", "/ is mounted from /dev/sda2").containsEntry("sda3", "/dev/sda3 is an active swap area");
        List<DeviceGuard.Refusal> r = DeviceGuard.check(host, "sda", 64 * MIB);
        assertThat(r).extracting(DeviceGuard.Refusal::reason).containsExactly(DeviceGuard.Reason.SYSTEM_DISK, DeviceGuard.Reason.MOUNTED,
                DeviceGuard.Reason.MOUNTED, DeviceGuard.Reason.SWAP);
        assertThat(sentences(r)).containsExactly("/dev/sda is the running system's disk: / is mounted from /dev/sda2",
                "/dev/sda2 (a partition of /dev/sda) is mounted on /",
                "/dev/sda1 (a partition of /dev/sda) is mounted on /boot",
                "/dev/sda3 (a partition of /dev/sda) is an active swap area (/dev/sda3)");
    }

    @Test
    void aFreePartitionOfTheSystemDiskIsRefusedToo() {
        BlockDevices host = pc().partition("sda", "sda4", 8, 4, GIB_SECTORS).devices();
        assertThat(sentences(DeviceGuard.check(host, "sda4", MIB)))
                .containsExactly("/dev/sda4 is on the running system's disk /dev/sda: / is mounted from /dev/sda2",
                        "/dev/sda4 is a partition of /dev/sda: an appliance image is a whole disk (give --device /dev/sda)");
    }

    @Test
    void aCardWithAMountedPartitionIsRefusedAndAnUnusedOneIsNot() {
        BlockDevices host = pc().devices();
        assertThat(sentences(DeviceGuard.check(host, "sdb", 64 * MIB)))
                .containsExactly("/dev/sdb1 (a partition of /dev/sdb) is mounted on /media/user/SD CARD");
        assertThat(sentences(DeviceGuard.check(host, "sdb1", 64 * MIB))).containsExactly("/dev/sdb1 is mounted on /media/user/SD CARD",
                "/dev/sdb1 is a partition of /dev/sdb: an appliance image is a whole disk (give --device /dev/sdb)");
        assertThat(DeviceGuard.check(host, "sdc", 64 * MIB)).isEmpty();
        assertThat(host.model("sdb1")).isEqualTo("Generic STORAGE DEVICE");
        assertThat(host.sizeBytes("sdc")).isEqualTo(16L << 30);
    }

    @Test
    void tooSmallReadOnlyAndUnknownDevicesAreRefused() {
        BlockDevices host = pc().disk("sdd", 8, 48, 2048).readOnly("sdd").devices();
        assertThat(sentences(DeviceGuard.check(host, "sdd", 2 * MIB)))
                .containsExactly("/dev/sdd is read-only (a card's write-protect switch, or blockdev --setro)",
                        "the image (2.0 MiB, 2097152 bytes) is larger than /dev/sdd (1.0 MiB, 1048576 bytes)");
        assertThat(DeviceGuard.check(host, "sdd", MIB)).extracting(DeviceGuard.Refusal::reason).containsExactly(DeviceGuard.Reason.READ_ONLY);
        assertThat(sentences(DeviceGuard.check(host, "sdz", MIB))).containsExactly("the kernel lists no block device sdz");
        assertThat(sentences(DeviceGuard.check(host, "../sdc", MIB))).containsExactly("the kernel lists no block device ../sdc");
    }

    @Test
    void raspberryPiRootFromDevRootIsFoundByItsDeviceNumber() {
        BlockDevices host = new FakeHost(dir).disk("mmcblk0", 179, 0, 32 * GIB_SECTORS)
                .partition("mmcblk0", "mmcblk0p1", 179, 1, 1024 * 1024).partition("mmcblk0", "mmcblk0p2", 179, 2, 31 * GIB_SECTORS)
                .disk("sda", 8, 0, 32 * GIB_SECTORS)
                .mount("179:2", "/", "ext4", "/dev/root").mount("179:1", "/boot/firmware", "vfat", "/dev/mmcblk0p1").devices();
        assertThat(DeviceGuard.systemDevices(host)).containsEntry("mmcblk0", "/ is mounted from /dev/mmcblk0p2");
        assertThat(sentences(DeviceGuard.check(host, "mmcblk0", MIB))).first().isEqualTo(
                "/dev/mmcblk0 is the running system's disk: / is mounted from /dev/mmcblk0p2");
        assertThat(DeviceGuard.check(host, "sda", MIB)).isEmpty();
    }

    @Test
    void rootOnLvmMakesTheDiskUnderItTheSystemDisk() {
        BlockDevices host = new FakeHost(dir).disk("nvme0n1", 259, 0, 100 * GIB_SECTORS)
                .partition("nvme0n1", "nvme0n1p1", 259, 1, GIB_SECTORS).partition("nvme0n1", "nvme0n1p2", 259, 2, 99 * GIB_SECTORS)
                .virtual("dm-0", 254, 0, 99 * GIB_SECTORS).slave("dm-0", "nvme0n1p2").dmName("dm-0", "vg-root")
                .mount("254:0", "/", "ext4", "/dev/mapper/vg-root").mount("259:1", "/boot/efi", "vfat", "/dev/nvme0n1p1").devices();
        assertThat(sentences(DeviceGuard.check(host, "nvme0n1", MIB))).containsExactly(
                "/dev/nvme0n1 is the running system's disk: / is mounted from /dev/mapper/vg-root (dm-0)",
                "/dev/nvme0n1p2 (a partition of /dev/nvme0n1) is under /dev/mapper/vg-root (dm-0), mounted on /",
                "/dev/nvme0n1p1 (a partition of /dev/nvme0n1) is mounted on /boot/efi");
        assertThat(sentences(DeviceGuard.check(host, "dm-0", MIB))).first()
                .isEqualTo("/dev/mapper/vg-root (dm-0) is the running system's disk: / is mounted from /dev/mapper/vg-root (dm-0)");
    }

    @Test
    void rootOnMdRaidPinsBothMembersDisks() {
        BlockDevices host = new FakeHost(dir).disk("sda", 8, 0, 10 * GIB_SECTORS).partition("sda", "sda1", 8, 1, 10 * GIB_SECTORS)
                .disk("sdb", 8, 16, 10 * GIB_SECTORS).partition("sdb", "sdb1", 8, 17, 10 * GIB_SECTORS)
                .virtual("md0", 9, 0, 10 * GIB_SECTORS).slave("md0", "sda1").slave("md0", "sdb1")
                .mount("9:0", "/", "ext4", "/dev/md0").devices();
        assertThat(DeviceGuard.systemDevices(host)).containsOnlyKeys("md0", "sda1", "sda", "sdb1", "sdb");
        assertThat(DeviceGuard.check(host, "sdb", MIB)).extracting(DeviceGuard.Refusal::reason)
                .containsExactly(DeviceGuard.Reason.SYSTEM_DISK, DeviceGuard.Reason.MOUNTED);
    }

    @Test
    void aLiveSystemsRootInALoopFilePinsTheStickHoldingTheFileButALoopDeviceOfOursIsFree() {
        BlockDevices host = new FakeHost(dir).disk("sdb", 8, 16, 8 * GIB_SECTORS).partition("sdb", "sdb1", 8, 17, 8 * GIB_SECTORS)
                .disk("sdc", 8, 32, 8 * GIB_SECTORS)
                .virtual("loop0", 7, 0, 4 * GIB_SECTORS).backingFile("loop0", "/run/live/medium/live/filesystem.squashfs")
                .virtual("loop1", 7, 1, 8192).backingFile("loop1", "/tmp/card.img")
                .mount("8:17", "/run/live/medium", "iso9660", "/dev/sdb1").mount("7:0", "/", "squashfs", "/dev/loop0")
                .mount("0:30", "/tmp", "tmpfs", "tmpfs").devices();
        assertThat(DeviceGuard.systemDevices(host)).containsKeys("loop0", "sdb1", "sdb").doesNotContainKey("loop1");
        assertThat(sentences(DeviceGuard.check(host, "sdb", MIB))).first()
                .isEqualTo("/dev/sdb is the running system's disk: / is mounted from /dev/loop0");
        assertThat(DeviceGuard.check(host, "loop1", MIB)).as("writing a loop device writes its file, not the disk under it").isEmpty();
        assertThat(DeviceGuard.check(host, "sdc", MIB)).isEmpty();
    }

    @Test
    void btrfsMountsHaveNoDeviceNumberAndAreFoundByTheirSource() {
        BlockDevices host = new FakeHost(dir).disk("sda", 8, 0, 10 * GIB_SECTORS).partition("sda", "sda1", 8, 1, 10 * GIB_SECTORS)
                .disk("sdb", 8, 16, 10 * GIB_SECTORS).partition("sdb", "sdb1", 8, 17, 10 * GIB_SECTORS)
                .mount("0:31", "/", "btrfs", "/dev/sda1").mount("0:32", "/srv/data", "btrfs", "/dev/sdb1").devices();
        assertThat(sentences(DeviceGuard.check(host, "sda", MIB))).first().isEqualTo("/dev/sda is the running system's disk: / is mounted from /dev/sda1");
        assertThat(sentences(DeviceGuard.check(host, "sdb", MIB))).containsExactly("/dev/sdb1 (a partition of /dev/sdb) is mounted on /srv/data");
    }

    @Test
    void anOpenLuksVolumeNothingMountsHoldsItsDisk() {
        BlockDevices host = pc().partition("sdc", "sdc1", 8, 33, 16 * GIB_SECTORS)
                .virtual("dm-3", 254, 3, 16 * GIB_SECTORS).slave("dm-3", "sdc1").dmName("dm-3", "luks-backup").devices();
        assertThat(sentences(DeviceGuard.check(host, "sdc", MIB))).containsExactly(
                "/dev/sdc1 (a partition of /dev/sdc) is held by /dev/mapper/luks-backup (dm-3) (device-mapper, md or LVM: close or deactivate it first)");
    }

    @Test
    void aSwapFilePinsTheDiskOfItsFileSystem() {
        BlockDevices host = new FakeHost(dir).disk("sda", 8, 0, 10 * GIB_SECTORS).partition("sda", "sda1", 8, 1, 10 * GIB_SECTORS)
                .disk("sdb", 8, 16, 10 * GIB_SECTORS).partition("sdb", "sdb1", 8, 17, 10 * GIB_SECTORS)
                .mount("8:1", "/", "ext4", "/dev/sda1").mount("8:17", "/data", "ext4", "/dev/sdb1").swap("/data/swap file", "file").devices();
        assertThat(DeviceGuard.systemDevices(host)).containsEntry("sdb", "the active swap file /data/swap file is on /dev/sdb1");
        assertThat(sentences(DeviceGuard.check(host, "sdb", MIB))).containsExactly(
                "/dev/sdb is the running system's disk: the active swap file /data/swap file is on /dev/sdb1",
                "/dev/sdb1 (a partition of /dev/sdb) is mounted on /data",
                "/dev/sdb1 (a partition of /dev/sdb) is holding the active swap file /data/swap file");
    }

    @Test
    void bindMountsOfOneDeviceMakeOneSentence() {
        BlockDevices host = pc().mount("8:17", "/srv/a", "vfat", "/dev/sdb1").mount("8:17", "/srv/b", "vfat", "/dev/sdb1")
                .mount("8:17", "/srv/c", "vfat", "/dev/sdb1").mount("8:17", "/srv/d", "vfat", "/dev/sdb1").devices();
        assertThat(sentences(DeviceGuard.check(host, "sdb", MIB)))
                .containsExactly("/dev/sdb1 (a partition of /dev/sdb) is mounted on /media/user/SD CARD, /srv/a, /srv/b, /srv/c and 1 more");
        assertThat(DeviceGuard.enumerate(List.of("/a"))).isEqualTo("/a");
        assertThat(DeviceGuard.enumerate(List.of("/a", "/b"))).isEqualTo("/a and /b");
        assertThat(DeviceGuard.enumerate(List.of("/a", "/b", "/c", "/d"))).isEqualTo("/a, /b, /c and /d");
    }

    @Test
    void anUnreadableMountTableIsARefusal() throws Exception {
        BlockDevices host = pc().devices();
        Files.delete(dir.resolve("proc/self/mountinfo"));
        assertThat(DeviceGuard.check(host, "sdc", MIB)).extracting(DeviceGuard.Refusal::reason).containsExactly(DeviceGuard.Reason.NO_MOUNT_TABLE);
    }
}
