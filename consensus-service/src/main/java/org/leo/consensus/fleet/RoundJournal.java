package org.leo.consensus.fleet;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.leo.boot.events.Sqlite;
import org.leo.consensus.quorum.RoundId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link Rounds} must not forget across a kill -9: one SQLite file, opened as every durable
 * store of the appliance is ({@link Sqlite#openDurable}: WAL, {@code synchronous=FULL}, so a write is
 * on disk when it returns). Per round, keyed by {@link RoundId#encode()}:
 * <ul>
 * <li>that it opened, with its deadline (epoch millis);
 * <li>each verdict that changed its collector, in its wire form ({@code Verdict.encode()}) and in the
 *     order it came: every verdict counted, and the second verdict of an equivocation (which takes
 *     the member's votes away again);
 * <li>the ledger's head seq just before its certificate was first appended ({@code closing_from}),
 *     so that a certificate that reached the ledger before a crash is found there, not appended twice;
 * <li>that it closed, with the ledger seq of its certificate, or none.
 * </ul>
 * Bounded: a round's verdicts are deleted when it closes (its certificate is on the ledger), and
 * of the closed rounds only the last {@code closedKept} ({@link Rounds#CLOSED_KEPT}) are kept, as
 * many as {@link Rounds} remembers. Open rounds are bounded by {@code maxOpenRounds}, and each
 * round's verdicts by its members. A write that fails is an {@link IllegalStateException} naming
 * the file; nothing half-written is left (each write is one statement or one transaction).
 */
public final class RoundJournal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoundJournal.class);

    /** A round that was open when the journal was read: its deadline, where closing began (if it did), its verdicts in order. */
    public record OpenRow(RoundId id, Instant deadline, OptionalLong closingFrom, List<byte[]> verdicts) {
        public OpenRow {
            verdicts = List.copyOf(verdicts);
        }
    }

    /** A closed round: the ledger seq of its certificate, or none. */
    public record ClosedRow(RoundId id, OptionalLong ledgerSeq) { }

    /** The journal's contents: the open rounds in the order they opened, the closed ones in the order they closed. */
    public record Contents(List<OpenRow> open, List<ClosedRow> closed) {
        public Contents {
            open = List.copyOf(open);
            closed = List.copyOf(closed);
        }
    }

    private final Path file;
    private final Connection db;
    private final int closedKept;

    private RoundJournal(Path file, Connection db, int closedKept) {
        this.file = file;
        this.db = db;
        this.closedKept = closedKept;
    }

    /** Opens (or creates) the journal at {@code file}. */
    public static RoundJournal open(Path file) throws SQLException {
        return open(file, Rounds.CLOSED_KEPT);
    }

    /** With another number of closed rounds kept (tests). */
    static RoundJournal open(Path file, int closedKept) throws SQLException {
        Connection c = Sqlite.openDurable(file);
        try (Statement st = c.createStatement()) {
            // closed: the order in which rounds closed (1, 2, ...), NULL while the round is open
            st.execute("CREATE TABLE IF NOT EXISTS round (id BLOB PRIMARY KEY, deadline INTEGER NOT NULL, closing_from INTEGER,"
                    + " closed INTEGER, ledger_seq INTEGER)");
            st.execute("CREATE TABLE IF NOT EXISTS verdict (n INTEGER PRIMARY KEY, round BLOB NOT NULL, body BLOB NOT NULL)");
            st.execute("CREATE INDEX IF NOT EXISTS verdict_round ON verdict (round, n)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new RoundJournal(file, c, closedKept);
    }

    /** Round {@code id} opened and closes at {@code deadline}. */
    synchronized void opened(RoundId id, Instant deadline) {
        write("open " + id, () -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO round (id, deadline) VALUES (?, ?)")) {
                ps.setBytes(1, id.encode());
                ps.setLong(2, deadline.toEpochMilli());
                ps.executeUpdate();
            }
        });
    }

    /** A verdict ({@code Verdict.encode()}) changed round {@code id}'s collector. */
    synchronized void verdict(RoundId id, byte[] encoded) {
        write("record a verdict of " + id, () -> {
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO verdict (round, body) VALUES (?, ?)")) {
                ps.setBytes(1, id.encode());
                ps.setBytes(2, encoded);
                ps.executeUpdate();
            }
        });
    }

    /** Round {@code id}'s certificate is about to be appended to a ledger whose head is entry {@code ledgerSeq}. */
    synchronized void closing(RoundId id, long ledgerSeq) {
        write("mark " + id + " as closing", () -> {
            try (PreparedStatement ps = db.prepareStatement("UPDATE round SET closing_from = ? WHERE id = ? AND closing_from IS NULL")) {
                ps.setLong(1, ledgerSeq);
                ps.setBytes(2, id.encode());
                ps.executeUpdate();
            }
        });
    }

    /** Round {@code id} closed, its certificate at {@code ledgerSeq} or none; its verdicts and the oldest closed rounds beyond those kept go. */
    synchronized void closed(RoundId id, OptionalLong ledgerSeq) {
        write("close " + id, () -> Sqlite.inTransaction(db, () -> {
            byte[] key = id.encode();
            try (PreparedStatement ps = db.prepareStatement("INSERT INTO round (id, deadline, closed, ledger_seq)"
                    + " VALUES (?, 0, (SELECT COALESCE(MAX(closed), 0) + 1 FROM round), ?)"
                    + " ON CONFLICT (id) DO UPDATE SET closed = excluded.closed, ledger_seq = excluded.ledger_seq")) {
                ps.setBytes(1, key);
                if (ledgerSeq.isPresent()) {
                    ps.setLong(2, ledgerSeq.getAsLong());
                } else {
                    ps.setNull(2, Types.INTEGER);
                }
                ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM verdict WHERE round = ?")) {
                ps.setBytes(1, key);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = db.prepareStatement("DELETE FROM round WHERE closed <= (SELECT MAX(closed) FROM round) - ?")) {
                ps.setInt(1, closedKept);
                ps.executeUpdate();
            }
        }));
    }

    /** Everything journaled; a row that does not parse means the file is not this journal's, and is an IllegalStateException. */
    public synchronized Contents read() {
        Map<RoundId, List<byte[]>> verdicts = new LinkedHashMap<>();
        List<OpenRow> open = new ArrayList<>();
        List<ClosedRow> closed = new ArrayList<>();
        try (Statement st = db.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT round, body FROM verdict ORDER BY n")) {
                while (rs.next()) {
                    verdicts.computeIfAbsent(roundId(rs.getBytes(1)), k -> new ArrayList<>()).add(rs.getBytes(2));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT id, deadline, closing_from FROM round WHERE closed IS NULL ORDER BY rowid")) {
                while (rs.next()) {
                    RoundId id = roundId(rs.getBytes(1));
                    long from = rs.getLong(3);
                    open.add(new OpenRow(id, Instant.ofEpochMilli(rs.getLong(2)), rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(from),
                            verdicts.getOrDefault(id, List.of())));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT id, ledger_seq FROM round WHERE closed IS NOT NULL ORDER BY closed")) {
                while (rs.next()) {
                    RoundId id = roundId(rs.getBytes(1));
                    long seq = rs.getLong(2);
                    closed.add(new ClosedRow(id, rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(seq)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("round journal " + file + ": cannot read it: " + e.getMessage(), e);
        }
        return new Contents(open, closed);
    }

    private RoundId roundId(byte[] bytes) {
        try {
            return RoundId.decode(bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("round journal " + file + ": a row names no round: " + e.getMessage(), e);
        }
    }

    private void write(String what, Sqlite.Work work) {
        try {
            work.run();
        } catch (SQLException e) {
            throw new IllegalStateException("round journal " + file + ": cannot " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            LOG.warn("round journal {}: close: {}", file, e.getMessage());
        }
    }
}
