package org.leo.image.flash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MountTable}: the lines proc(5) documents, escapes, optional fields, and lines that do not parse. */
class MountTableTest {
    @Test
    void parsesTheProc5ExampleAndOptionalFields() {
        List<MountTable.Mount> m = MountTable.parseMountInfo("""
                36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
                27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
                45 27 254:0 /run/netns /run/netns rw,relatime shared:1 shared:7 - ext4 /dev/vda rw
                55 27 7:0 / /tmp/a\\040b\\134c rw,relatime - ext4 /dev/loop0 rw
                """);
        assertThat(m).containsExactly(new MountTable.Mount(98, 0, "/mnt/parent", "ext3", "/dev/root"),
                new MountTable.Mount(254, 0, "/", "ext4", "/dev/vda"), new MountTable.Mount(254, 0, "/run/netns", "ext4", "/dev/vda"),
                new MountTable.Mount(7, 0, "/tmp/a b\\c", "ext4", "/dev/loop0"));
        assertThat(m.get(0).devNumber()).isEqualTo("98:0");
    }

    @Test
    void linesThatDoNotParseAreSkipped() {
        assertThat(MountTable.parseMountInfo("""
                garbage
                1 2 x:y / / rw - ext4 /dev/sda rw
                1 2 8:1 / / rw no-separator ext4 /dev/sda rw
                1 2 8:1 / / rw -
                
                1 2 8:2 / /ok rw - ext4 /dev/sda2 rw
                """)).containsExactly(new MountTable.Mount(8, 2, "/ok", "ext4", "/dev/sda2"));
    }

    @Test
    void parsesSwapsWithEscapedNames() {
        assertThat(MountTable.parseSwaps("""
                Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
                /dev/sda3                               partition\t8388604\t\t0\t\t-2
                /swap\\040file file\t\t1048572\t\t0\t\t-3
                bogus
                """)).containsExactly(new MountTable.Swap("/dev/sda3", "partition"), new MountTable.Swap("/swap file", "file"));
        assertThat(MountTable.parseSwaps("Filename Type Size Used Priority\n")).isEmpty();
    }

    @Test
    void unescapeLeavesWhatIsNotAnOctalEscape() {
        assertThat(MountTable.unescape("a\\04")).isEqualTo("a\\04");
        assertThat(MountTable.unescape("a\\999b")).isEqualTo("a\\999b");
        assertThat(MountTable.unescape("\\011tab\\012")).isEqualTo("\ttab\n");
    }
}
