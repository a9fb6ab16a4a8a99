package org.leo.boot.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;

/** {@link SqliteBootEventLog#recordAll}: the DHCP group commit's events, in order, all or none. */
class SqliteBootEventLogBatchTest {
    static final MacAddress A = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;

    @Test
    void aBatchIsDurableInOrder() throws Exception {
        Path db = tmp.resolve("events.db");
        List<BootEvent> burst = List.of(BootEvent.dhcp(A, "c", BootStage.DHCP_REQUEST, "1"),
                BootEvent.dhcp(A, "c", BootStage.DHCP_ACK, "2"), BootEvent.dhcp(A, "c", BootStage.DHCP_OFFER, "3"));
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            log.recordAll(burst);
            log.recordAll(List.of());
        }
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            assertThat(log.eventsFor(A, 10)).extracting(BootEvent::detail).containsExactly("1", "2", "3");
            log.record(BootEvent.dhcp(A, "c", BootStage.DHCP_ACK, "4")); // single appends still work after a batch
            assertThat(log.eventsFor(A, 10)).hasSize(4);
        }
    }

    @Test
    void aFailedBatchRecordsNothing() throws Exception {
        Path db = tmp.resolve("events.db");
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            // The database refuses the last event of the burst: the whole burst is rolled back.
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
                 java.sql.Statement st = c.createStatement()) {
                st.execute("CREATE TRIGGER refuse BEFORE INSERT ON boot_event WHEN NEW.detail = 'bad' "
                        + "BEGIN SELECT RAISE(ABORT, 'refused'); END");
            }
            BootEvent bad = BootEvent.dhcp(A, "c", BootStage.DHCP_ACK, "bad");
            assertThatThrownBy(() -> log.recordAll(List.of(BootEvent.dhcp(A, "c", BootStage.DHCP_ACK, "ok"), bad)))
                    .isInstanceOf(IllegalStateException.class);
            assertThat(log.eventsFor(A, 10)).isEmpty();
            log.record(BootEvent.dhcp(A, "c", BootStage.DHCP_ACK, "after"));
            assertThat(log.eventsFor(A, 10)).extracting(BootEvent::detail).containsExactly("after");
        }
    }
}
