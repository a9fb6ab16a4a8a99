package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.MountEntry;

/** The task-state check's pure parsers: mountinfo lines, net/dev lines and namespace links, by case and by sentence. */
class TaskParsersTest {
    @Test
    void aMountinfoLineWithOptionalFieldsAndEscapesParses() {
        MountEntry m = MountInfo.parse("36 35 98:0 /mnt1 /mnt\\0402 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue");
        assertThat(m.getMountPoint()).isEqualTo("/mnt 2");
        assertThat(m.getFsType()).isEqualTo("ext3");
        assertThat(m.getSource()).isEqualTo("/dev/root");
        assertThat(m.getOptions()).isEqualTo("rw,noatime,rw,errors=continue");
    }

    @Test
    void theAgentsWorkTmpfsParses() {
        MountEntry m = MountInfo.parse("1207 29 0:231 / /run/leo/tasks/task-1 rw,nosuid,nodev,relatime - tmpfs leo-task-work "
                + "rw,size=65536k,nr_inodes=4096,mode=700,uid=65534,gid=65534");
        assertThat(m).isEqualTo(MountEntry.newBuilder().setMountPoint("/run/leo/tasks/task-1").setFsType("tmpfs").setSource("leo-task-work")
                .setOptions("rw,nosuid,nodev,relatime,rw,size=65536k,nr_inodes=4096,mode=700,uid=65534,gid=65534").build());
    }

    @Test
    void anEscapedNewlineBecomesPrintable() {
        assertThat(MountInfo.parse("1 0 0:1 / /a\\012b rw - tmpfs x rw").getMountPoint()).isEqualTo("/a?b");
        assertThat(MountInfo.unescape("a\\134b\\9")).isEqualTo("a\\b\\9");
    }

    @Test
    void malformedMountinfoLinesAreRefusedWithTheirReason() {
        assertThatThrownBy(() -> MountInfo.parse("")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line has at least 10 fields with a '-' separator after the 6th, got 1 fields and no separator");
        assertThatThrownBy(() -> MountInfo.parse("1 0 0:1 / /a rw x - tmpfs")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line has at least 10 fields with a '-' separator after the 6th, got 9 fields");
        assertThatThrownBy(() -> MountInfo.parse("1 0 0:1 / /a rw - tmpfs x rw extra")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line has 3 fields after its '-' separator, got 4");
        assertThatThrownBy(() -> MountInfo.parse("x 0 0:1 / /a rw - tmpfs x rw")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line starts with ID PARENT MAJOR:MINOR, got 'x 0 0:1'");
        assertThatThrownBy(() -> MountInfo.parse("1 0 0:1 / a rw - tmpfs x rw")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mount point is an absolute path, got 'a'");
        assertThatThrownBy(() -> MountInfo.parse("1 0 0:1 / /a rw - " + " x rw")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line names its file system type");
    }

    @Test
    void aFileSystemTypeOfControlCharactersIsRefusedFoundByJazzer() {
        // Java's strip() takes 0x1c-0x1f for blanks: the type was empty only after it was made printable.
        assertThatThrownBy(() -> MountInfo.parse("633 5 98:0 /mnt1 /mnt rw shared:2 - \u001d\u001d /m x")).isInstanceOf(ProcFormatException.class)
                .hasMessage("a mountinfo line names its file system type");
    }

    @Test
    void parseAllKeepsOrderAndCountsMalformedLines() {
        int[] bad = {0};
        List<MountEntry> all = MountInfo.parseAll(List.of("1 0 0:1 / / rw - ext4 /dev/vda rw", "junk", "2 1 0:2 / /proc rw - proc proc rw"), bad);
        assertThat(all).extracting(MountEntry::getMountPoint).containsExactly("/", "/proc");
        assertThat(bad[0]).isEqualTo(1);
    }

    @Test
    void aLongFieldIsCut() {
        String point = "/" + "a".repeat(5000);
        assertThat(MountInfo.parse("1 0 0:1 / " + point + " rw - tmpfs x rw").getMountPoint()).hasSize(MountInfo.MAX_FIELD);
    }

    @Test
    void netDevLinesGiveInterfaceNames() {
        assertThat(NetDev.interfaceName("    lo: 1296      16    0    0")).isEqualTo("lo");
        assertThat(NetDev.interfaceName("leoc-v0:    0 0")).isEqualTo("leoc-v0");
        assertThatThrownBy(() -> NetDev.interfaceName("Inter-|   Receive |  Transmit")).isInstanceOf(ProcFormatException.class);
        assertThatThrownBy(() -> NetDev.interfaceName(" face |bytes    packets")).isInstanceOf(ProcFormatException.class);
        assertThatThrownBy(() -> NetDev.interfaceName("a-name-over-15-chars: 0")).isInstanceOf(ProcFormatException.class)
                .hasMessage("an interface name has 1 to 15 characters, got 20");
        assertThatThrownBy(() -> NetDev.interfaceName("a/b: 0")).isInstanceOf(ProcFormatException.class)
                .hasMessage("an interface name has no blank, '/' or control character");
    }

    @Test
    void namespaceLinksGiveInodes() {
        assertThat(NetDev.namespaceInode("net:[4026531840]", "net")).isEqualTo(4026531840L);
        assertThatThrownBy(() -> NetDev.namespaceInode("mnt:[4026531840]", "net")).hasMessage("a namespace link reads net:[INODE], got 'mnt:[4026531840]'");
        assertThatThrownBy(() -> NetDev.namespaceInode("net:[]", "net")).isInstanceOf(ProcFormatException.class);
        assertThatThrownBy(() -> NetDev.namespaceInode("net:[9999999999999999999]", "net")).hasMessage("a namespace inode over 2^63: 'net:[9999999999999999999]'");
    }
}
