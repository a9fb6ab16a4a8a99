package org.leo.boot.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.leo.boot.net.MacAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteBootEventLogTest {
    static final MacAddress A = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress B = MacAddress.parse("52:54:00:77:00:11");

    @TempDir
    Path tmp;

    static BootEvent event(MacAddress mac, BootStage stage, String file, String sha, String nonce) {
        return new BootEvent(Instant.parse("2026-11-22T02:00:00.123456789Z"), Optional.ofNullable(mac), "10.0.0.5:2000", stage,
                stage == BootStage.DHCP_ACK ? null : Protocol.HTTP, file, 42, sha, nonce, "detail " + stage);
    }

    @Test
    void eventsRoundTripAndAreQueryable() throws Exception {
        Path db = tmp.resolve("events.db");
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            BootEvent dhcp = BootEvent.dhcp(A, "10.0.0.5", BootStage.DHCP_ACK, "lease 10.0.0.5");
            long first = log.append(dhcp);
            log.record(event(B, BootStage.FILE_SERVED, "vmlinuz", "1".repeat(64), ""));
            log.record(event(null, BootStage.FILE_REFUSED, "../x", "", ""));
            for (int i = 0; i < 5; i++) {
                log.record(event(A, BootStage.FILE_SERVED, "f" + i, "2".repeat(64), ""));
            }
            assertThat(log.eventsFor(A, 3)).extracting(BootEvent::file).containsExactly("f2", "f3", "f4");
            assertThat(log.eventsFor(A, 100)).hasSize(6).first().isEqualTo(dhcp);
            assertThat(log.eventsFor(B, 100)).singleElement().extracting(BootEvent::file).isEqualTo("vmlinuz");
            List<LoggedEvent> since = log.since(first, 2);
            assertThat(since).extracting(LoggedEvent::id).containsExactly(first + 1, first + 2);
            assertThat(since.get(1).event().mac()).isEmpty();
            assertThat(since.get(0).event().at()).isEqualTo(Instant.parse("2026-11-22T02:00:00.123456789Z"));
            assertThat(log.since(first + 7, 10)).isEmpty();
            assertThat(log.latestBoot(A)).isEmpty();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
            try (ResultSet rs = st.executeQuery("EXPLAIN QUERY PLAN SELECT id FROM boot_event WHERE mac = 'x' ORDER BY id DESC LIMIT 3")) {
                rs.next();
                assertThat(rs.getString("detail")).contains("boot_event_mac_id");
            }
        }
    }

    /** The part of a file an HTTP range carried is kept as columns, typed; a log written before they existed gains them, empty. */
    @Test
    void aSentRangeRoundTripsAndAnOlderLogGainsTheColumns() throws Exception {
        Path db = tmp.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE boot_event (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, mac TEXT, client TEXT NOT NULL,"
                    + " stage TEXT NOT NULL, protocol TEXT, file TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL,"
                    + " nonce TEXT NOT NULL, detail TEXT NOT NULL)");
            st.execute("INSERT INTO boot_event(at, mac, client, stage, protocol, file, bytes, sha256, nonce, detail) VALUES ('"
                    + Instant.EPOCH + "', '" + A + "', 'c', 'FILE_INCOMPLETE', 'HTTP', 'initrd.img', 700, 'aa', 'n', 'range 0-699/2000')");
        }
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            log.record(new BootEvent(Instant.EPOCH, Optional.of(A), "c", BootStage.FILE_INCOMPLETE, Protocol.HTTP, "initrd.img", 1300, "bb",
                    "n", "HTTP sent a part", Optional.of(new org.leo.boot.events.SentRange(700, 1999, 2000))));
            List<BootEvent> got = log.eventsFor(A, 10);
            assertThat(got).extracting(BootEvent::range).containsExactly(Optional.empty(),
                    Optional.of(new org.leo.boot.events.SentRange(700, 1999, 2000)));
        }
    }

    @Test
    void latestBootStartsAtTheLastDeliveredScript() throws Exception {
        try (SqliteBootEventLog log = SqliteBootEventLog.open(tmp.resolve("events.db"))) {
            BootEvent old = event(A, BootStage.SCRIPT_SERVED, "boot.ipxe", "3".repeat(64), "old-nonce");
            log.record(old);
            log.record(old.delivered());
            log.record(event(A, BootStage.FILE_SERVED, "vmlinuz", "4".repeat(64), "old-nonce"));
            BootEvent current = event(A, BootStage.SCRIPT_SERVED, "boot.ipxe", "5".repeat(64), "new-nonce");
            long script = log.append(current);
            log.record(event(B, BootStage.FILE_SERVED, "vmlinuz", "6".repeat(64), ""));
            log.record(current.delivered());
            // a script made for a request that never took delivery (a one-way spoofed request): no boot starts there
            log.record(event(A, BootStage.SCRIPT_SERVED, "boot.ipxe", "a".repeat(64), "spoofed-nonce"));
            log.record(event(A, BootStage.FILE_INCOMPLETE, "boot.ipxe", "b".repeat(64), "new-nonce"));
            log.record(event(A, BootStage.FILE_INCOMPLETE, "vmlinuz", "7".repeat(64), "new-nonce"));
            log.record(event(A, BootStage.FILE_SERVED, "vmlinuz", "8".repeat(64), "new-nonce"));
            log.record(event(A, BootStage.FILE_SERVED, "initrd.img", "9".repeat(64), "new-nonce"));
            log.record(event(A, BootStage.FILE_REFUSED, "x", "", "new-nonce"));
            BootSession s = log.latestBoot(A).orElseThrow();
            assertThat(s.nonce()).isEqualTo("new-nonce");
            assertThat(s.scriptEventId()).isEqualTo(script);
            assertThat(s.scriptSha256()).isEqualTo("5".repeat(64));
            assertThat(s.events()).hasSize(8);
            assertThat(s.servedFiles()).containsExactly(java.util.Map.entry("vmlinuz", "8".repeat(64)), java.util.Map.entry("initrd.img", "9".repeat(64)));
            assertThat(s.refusals()).singleElement().extracting(BootEvent::file).isEqualTo("x");
            assertThat(log.latestBoot(B)).isEmpty();
        }
    }

    @Test
    void latestIdIsTheNewestEventsOrZero() throws Exception {
        try (SqliteBootEventLog log = SqliteBootEventLog.open(tmp.resolve("events.db"))) {
            assertThat(log.latestId()).isZero();
            log.append(event(A, BootStage.FILE_SERVED, "vmlinuz", "1".repeat(64), ""));
            long second = log.append(event(B, BootStage.FILE_SERVED, "initrd.img", "2".repeat(64), ""));
            assertThat(log.latestId()).isEqualTo(second);
            assertThat(log.since(log.latestId(), 10)).isEmpty();
        }
    }

    @Test
    void reopeningKeepsEverything() throws Exception {
        Path db = tmp.resolve("events.db");
        long id;
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            id = log.append(event(A, BootStage.FILE_SERVED, "vmlinuz", "1".repeat(64), ""));
        }
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            assertThat(log.since(0, 10)).extracting(LoggedEvent::id).containsExactly(id);
            assertThat(log.append(event(A, BootStage.FILE_SERVED, "vmlinuz", "1".repeat(64), ""))).isEqualTo(id + 1);
        }
    }

    /** Every id the child printed (after its commit returned) must be in the file after SIGKILL. */
    @Test
    void acknowledgedEventsSurviveKillMinus9() throws Exception {
        Path db = tmp.resolve("crash.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(EventAppenderMain.class, 300, db.toString());
        try (SqliteBootEventLog log = SqliteBootEventLog.open(db)) {
            Set<Long> stored = new HashSet<>();
            long after = 0;
            List<LoggedEvent> page;
            while (!(page = log.since(after, 1000)).isEmpty()) {
                page.forEach(e -> stored.add(e.id()));
                after = page.get(page.size() - 1).id();
            }
            assertThat(stored).containsAll(acked);
            System.out.println("kill -9 test: child acknowledged " + acked.size() + " ids, database holds " + stored.size());
            assertThat(stored.size()).isBetween(acked.size(), acked.size() + 1);
        }
    }
}
