package org.leo.image.appliance;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A DOS (MBR) partition table, the one the Raspberry Pi's boot ROM and EEPROM bootloader read on
 * every model: sector 0 with no boot code, a 32-bit disk identifier at offset 440 (Linux names the
 * partitions {@code PARTUUID=DISKID-0N} after it), four 16-byte primary entries at 446 and the
 * signature {@code 55 aa}. Fixed disk identifier, no random bytes, so the sector depends only on the
 * layout. CHS fields as util-linux's sfdisk writes them (255 heads, 63 sectors per track, cylinders
 * above 1023 clamped); nothing reads them, but {@code MbrPartitionTableTest} compares the whole
 * sector with sfdisk's.
 */
public final class MbrPartitionTable {
    public static final int SECTOR = 512;
    /** Type of a FAT32 partition addressed by LBA: the Pi's firmware looks for its boot files on it. */
    public static final int TYPE_FAT32_LBA = 0x0c;
    /** Type of a Linux partition. */
    public static final int TYPE_LINUX = 0x83;
    static final int HEADS = 255;
    static final int SECTORS_PER_TRACK = 63;

    /** One primary partition, in 512-byte sectors. */
    public record Partition(int type, boolean bootable, long start, long sectors) {
        public Partition {
            if (type <= 0 || type > 0xff) {
                throw new IllegalArgumentException("partition type " + type + " is not one byte");
            }
            if (start < 1 || sectors < 1 || start + sectors > 0xffffffffL) {
                throw new IllegalArgumentException("partition at sector " + start + " of " + sectors + " sectors does not fit an MBR entry");
            }
        }

        public long end() {
            return start + sectors;
        }
    }

    private MbrPartitionTable() {
    }

    /**
     * Sector 0 for {@code partitions} (at most four, in order, not overlapping).
     *
     * @param diskId the disk identifier (written little-endian, as {@code sfdisk --dump} prints {@code label-id: 0x...})
     */
    public static byte[] sector(int diskId, List<Partition> partitions) {
        if (partitions.size() > 4) {
            throw new IllegalArgumentException(partitions.size() + " partitions; an MBR holds four");
        }
        for (int i = 1; i < partitions.size(); i++) {
            if (partitions.get(i).start() < partitions.get(i - 1).end()) {
                throw new IllegalArgumentException("partition " + (i + 1) + " starts at sector " + partitions.get(i).start()
                        + ", inside partition " + i + " (which ends at " + partitions.get(i - 1).end() + ")");
            }
        }
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(440, diskId);
        for (int i = 0; i < partitions.size(); i++) {
            Partition p = partitions.get(i);
            int e = 446 + 16 * i;
            b.put(e, (byte) (p.bootable() ? 0x80 : 0));
            chs(b, e + 1, p.start());
            b.put(e + 4, (byte) p.type());
            chs(b, e + 5, p.end() - 1);
            b.putInt(e + 8, (int) p.start());
            b.putInt(e + 12, (int) p.sectors());
        }
        b.put(510, (byte) 0x55);
        b.put(511, (byte) 0xaa);
        return b.array();
    }

    /** The CHS address of {@code lba} (libfdisk's long2chs and set_hsc). */
    private static void chs(ByteBuffer b, int at, long lba) {
        long spc = (long) HEADS * SECTORS_PER_TRACK;
        long c = lba / spc;
        long h = (lba / SECTORS_PER_TRACK) % HEADS;
        long s = lba % SECTORS_PER_TRACK + 1;
        if (c > 1023) {
            c = 1023;
            h = HEADS - 1;
            s = SECTORS_PER_TRACK;
        }
        b.put(at, (byte) h);
        b.put(at + 1, (byte) (s | ((c >> 2) & 0xc0)));
        b.put(at + 2, (byte) c);
    }
}
