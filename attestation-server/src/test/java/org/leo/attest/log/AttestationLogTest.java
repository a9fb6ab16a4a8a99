package org.leo.attest.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttestationLogTest {
    @TempDir
    Path tmp;

    static LogEntry entry(int i) {
        return new LogEntry(Instant.ofEpochMilli(1_700_000_000_000L + i), "52:54:00:77:00:10", LogEntry.Kind.FINDING, "critical",
                "hardware.usb.added", "HPC 52:54:00:77:00:10: USB device 1-1 (0781:5567) appeared #" + i, "component=usb");
    }

    @Test
    void chainIsIntactAndContinuesAcrossReopen() throws Exception {
        Path db = tmp.resolve("log.db");
        try (AttestationLog log = AttestationLog.open(db)) {
            List<CompletableFuture<ChainedEntry>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fs.add(log.append(entry(i)));
            }
            for (int i = 0; i < 100; i++) {
                assertThat(fs.get(i).get().seq()).isEqualTo(i + 1);
            }
            assertThat(log.verify().intact()).isTrue();
            assertThat(log.head().orElseThrow().seq()).isEqualTo(100);
        }
        try (AttestationLog log = AttestationLog.open(db)) {
            ChainedEntry head = log.head().orElseThrow();
            ChainedEntry next = log.appendDurably(entry(100));
            assertThat(next.seq()).isEqualTo(101);
            assertThat(next.prevHash()).isEqualTo(head.hash());
            ChainReport r = AttestationLog.verify(db);
            assertThat(r.intact()).isTrue();
            assertThat(r.entries()).isEqualTo(101);
            assertThat(r.headHash()).isEqualTo(next.hash());
            assertThat(r.sentence()).startsWith("chain intact: 101 entries, head #101 sha256 " + next.hashHex());
        }
    }

    @Test
    void hashIsTheDocumentedFunctionOfTheFields() {
        ChainedEntry e = ChainedEntry.chain(1, entry(0), ChainedEntry.GENESIS);
        // Recomputed independently from the documented layout, not through ChainedEntry.computeHash.
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes("leo-attest-log-v1\0".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(new byte[32]);
        b.writeBytes(java.nio.ByteBuffer.allocate(16).putLong(1).putLong(1_700_000_000_000L).array());
        for (String f : List.of("52:54:00:77:00:10", "FINDING", "critical", "hardware.usb.added",
                "HPC 52:54:00:77:00:10: USB device 1-1 (0781:5567) appeared #0", "component=usb")) {
            byte[] u = f.getBytes(StandardCharsets.UTF_8);
            b.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(u.length).array());
            b.writeBytes(u);
        }
        assertThat(HexFormat.of().formatHex(e.hash())).isEqualTo(sha256Hex(b.toByteArray()));
    }

    static String sha256Hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void updatesAndDeletesAreRefusedBySqlite() throws Exception {
        Path db = tmp.resolve("log.db");
        try (AttestationLog log = AttestationLog.open(db)) {
            log.appendDurably(entry(0));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate("UPDATE attest_log SET message = 'nothing happened'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("attest_log is append-only");
            assertThatThrownBy(() -> st.executeUpdate("DELETE FROM attest_log"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("attest_log is append-only");
        }
    }

    @Test
    void verifyFindsAnAlteredEntry() throws Exception {
        Path db = tmp.resolve("log.db");
        try (AttestationLog log = AttestationLog.open(db)) {
            for (int i = 0; i < 10; i++) {
                log.appendDurably(entry(i));
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER attest_log_no_update"); // what someone with the file could do
            st.executeUpdate("UPDATE attest_log SET severity = 'info' WHERE seq = 7");
        }
        ChainReport r = AttestationLog.verify(db);
        assertThat(r.intact()).isFalse();
        assertThat(r.entries()).isEqualTo(6);
        assertThat(r.break_().orElseThrow()).startsWith("entry #7 was altered: its content hashes to ");
    }

    @Test
    void verifyFindsARemovedEntryAndARewrittenTail() throws Exception {
        Path db = tmp.resolve("log.db");
        try (AttestationLog log = AttestationLog.open(db)) {
            for (int i = 0; i < 10; i++) {
                log.appendDurably(entry(i));
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER attest_log_no_delete");
            st.executeUpdate("DELETE FROM attest_log WHERE seq = 4");
        }
        assertThat(AttestationLog.verify(db).break_().orElseThrow()).isEqualTo("entry #4 is missing (next is #5)");

        // Re-chaining entry 5 onto entry 3 (with a correct own hash) still breaks at its prev pointer.
        Path db2 = tmp.resolve("log2.db");
        try (AttestationLog log = AttestationLog.open(db2)) {
            for (int i = 0; i < 5; i++) {
                log.appendDurably(entry(i));
            }
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db2); Statement st = c.createStatement()) {
            st.execute("DROP TRIGGER attest_log_no_update");
            st.executeUpdate("UPDATE attest_log SET prev_hash = zeroblob(32) WHERE seq = 3");
        }
        assertThat(AttestationLog.verify(db2).break_().orElseThrow()).startsWith("entry #3 points back to 0000");
    }

    @Test
    void verifyOfAMissingFileSaysSo() {
        assertThatThrownBy(() -> AttestationLog.verify(tmp.resolve("none.db"))).hasMessageContaining("no attestation log at");
    }

    /** Every sequence number the child printed (after its future completed) is in the file after SIGKILL, and the chain verifies. */
    @Test
    void acknowledgedEntriesSurviveKillMinus9() throws Exception {
        Path db = tmp.resolve("crash.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(LogAppenderMain.class, 500, db.toString());
        ChainReport r = AttestationLog.verify(db);
        System.out.println("kill -9 test: child acknowledged " + acked.size() + " entries; " + r.sentence());
        assertThat(r.intact()).isTrue();
        assertThat(r.headSeq()).isGreaterThanOrEqualTo(acked.get(acked.size() - 1));
        try (AttestationLog log = AttestationLog.open(db)) {
            assertThat(log.since(0, 10_000).stream().map(ChainedEntry::seq).toList()).containsAll(acked);
            assertThat(log.appendDurably(entry(1)).seq()).isEqualTo(r.headSeq() + 1);
        }
    }
}
