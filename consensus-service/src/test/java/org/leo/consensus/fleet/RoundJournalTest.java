package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.RoundId;

/** The journal file on its own: what it reads back, and that it stays bounded. */
class RoundJournalTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private static RoundId round(long n) {
        return new RoundId(new byte[32], MacAddress.parse("52:54:00:77:00:10"), n);
    }

    private static long verdictRows(Path file) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM verdict")) {
            return rs.getLong(1);
        }
    }

    @Test
    void itReadsBackWhatWasWrittenAndKeepsOnlyTheLastClosedRoundsWithoutTheirVerdicts() throws Exception {
        Path file = tmp.resolve("rounds.db");
        try (RoundJournal j = RoundJournal.open(file, 3)) {
            for (int n = 1; n <= 5; n++) {
                j.opened(round(n), T0.plusSeconds(n));
                j.verdict(round(n), new byte[] {(byte) n});
                j.verdict(round(n), new byte[] {(byte) (10 * n)});
            }
            j.closing(round(5), 41);
            for (int n = 1; n <= 4; n++) {
                j.closed(round(n), n % 2 == 0 ? OptionalLong.of(100 + n) : OptionalLong.empty());
            }
            j.closed(round(9), OptionalLong.empty()); // never opened: closed so that it cannot open
        }
        try (RoundJournal j = RoundJournal.open(file, 3)) {
            RoundJournal.Contents c = j.read();
            assertThat(c.closed()).as("the last three closed, oldest first").containsExactly(
                    new RoundJournal.ClosedRow(round(3), OptionalLong.empty()),
                    new RoundJournal.ClosedRow(round(4), OptionalLong.of(104)),
                    new RoundJournal.ClosedRow(round(9), OptionalLong.empty()));
            assertThat(c.open()).singleElement().satisfies(o -> {
                assertThat(o.id()).isEqualTo(round(5));
                assertThat(o.deadline()).isEqualTo(T0.plusSeconds(5));
                assertThat(o.closingFrom()).hasValue(41);
                assertThat(o.verdicts()).containsExactly(new byte[] {5}, new byte[] {50});
            });
        }
        assertThat(verdictRows(file)).as("only the open round's").isEqualTo(2);
    }

    @Test
    void aRowThatNamesNoRoundIsAnError() throws Exception {
        Path file = tmp.resolve("rounds.db");
        try (RoundJournal j = RoundJournal.open(file)) {
            j.opened(round(1), T0);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO round (id, deadline) VALUES (x'0102', 0)");
        }
        try (RoundJournal j = RoundJournal.open(file)) {
            assertThatThrownBy(j::read).isInstanceOf(IllegalStateException.class)
                    .hasMessage("round journal " + file + ": a row names no round: round id: 2 bytes, expected 46");
        }
    }
}
