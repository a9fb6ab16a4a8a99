package org.leo.pxe.net;

import org.leo.boot.net.MacAddress;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeighborTableTest {
    private static final List<String> TABLE = List.of(
            "IP address       HW type     Flags       HW address            Mask     Device",
            "10.77.0.10       0x1         0x2         52:54:00:77:00:10     *        leovp",
            "10.77.0.11       0x1         0x0         00:00:00:00:00:00     *        leovp",
            "10.77.0.12       0x1         0x2         not-a-mac             *        leovp",
            "garbage");

    @Test
    void completeEntriesOnly() {
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.10")).contains(MacAddress.parse("52:54:00:77:00:10"));
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.11")).as("incomplete (flags 0x0)").isEmpty();
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.12")).as("malformed MAC").isEmpty();
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.13")).as("absent").isEmpty();
        assertThat(NeighborTable.lookup(List.of(), "10.77.0.10")).isEmpty();
    }

    @Test
    void withADeviceOnlyEntriesOnThatDeviceCount() {
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.10", "leovp")).contains(MacAddress.parse("52:54:00:77:00:10"));
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.10", "eth0")).as("learned on another link").isEmpty();
        assertThat(NeighborTable.lookup(TABLE, "10.77.0.10", null)).as("any device").isPresent();
    }

    @Test
    void readsAFileInTheKernelsFormat(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("arp");
        Files.write(f, TABLE);
        assertThat(new NeighborTable(f).macOf(InetAddress.getByName("10.77.0.10"))).contains(MacAddress.parse("52:54:00:77:00:10"));
        assertThat(new NeighborTable(dir.resolve("missing")).macOf(InetAddress.getByName("10.77.0.10"))).isEmpty();
    }

    @Test
    void theRealTableIsReadable() throws Exception {
        // Whatever the machine's table holds, reading it must not fail.
        assertThat(new NeighborTable().macOf(InetAddress.getByName("198.51.100.77"))).isEmpty();
    }
}
