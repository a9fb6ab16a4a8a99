package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.image.Processes;

/** The sector we write against util-linux's: sfdisk writes the same layout, and its sector 0 is ours byte for byte. */
class MbrPartitionTableTest {
    @TempDir
    Path dir;

    @Test
    void theSectorIsSfdisks() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/sfdisk")), "sfdisk is missing (fdisk; scripts/install-deps)");
        List<MbrPartitionTable.Partition> parts = List.of(new MbrPartitionTable.Partition(0x0c, true, 2048, 262144),
                new MbrPartitionTable.Partition(0x83, false, 264192, 239616), new MbrPartitionTable.Partition(0x83, false, 503808, 2048),
                new MbrPartitionTable.Partition(0x83, false, 1L << 24, 1L << 22));
        Path disk = dir.resolve("disk");
        try (var f = new java.io.RandomAccessFile(disk.toFile(), "rw")) {
            f.setLength((1L << 24) + (1L << 22) << 9);
        }
        String script = "label: dos\nlabel-id: 0x4c454f31\nunit: sectors\nsector-size: 512\n\n"
                + "start=2048, size=262144, type=c, bootable\nstart=264192, size=239616, type=83\nstart=503808, size=2048, type=83\n"
                + "start=16777216, size=4194304, type=83\n";
        Files.writeString(dir.resolve("script"), script);
        Processes.run(null, List.of("sh", "-c", "sfdisk -q " + disk + " < " + dir.resolve("script")), 60);
        byte[] theirs;
        try (InputStream in = Files.newInputStream(disk)) {
            theirs = in.readNBytes(512);
        }
        assertThat(MbrPartitionTable.sector(0x4c454f31, parts)).isEqualTo(theirs);
        assertThat(Processes.run(null, List.of("sfdisk", "--dump", disk.toString()), 60)).contains("label-id: 0x4c454f31");
    }

    @Test
    void overlapsAndFifthPartitionsAreRefused() {
        var a = new MbrPartitionTable.Partition(0x83, false, 2048, 4096);
        assertThatThrownBy(() -> MbrPartitionTable.sector(1, List.of(a, new MbrPartitionTable.Partition(0x83, false, 4000, 10))))
                .hasMessage("partition 2 starts at sector 4000, inside partition 1 (which ends at 6144)");
        assertThatThrownBy(() -> MbrPartitionTable.sector(1, List.of(a, a, a, a, a))).hasMessage("5 partitions; an MBR holds four");
        assertThatThrownBy(() -> new MbrPartitionTable.Partition(0x83, false, 1L << 32, 1))
                .hasMessageContaining("does not fit an MBR entry");
    }
}
