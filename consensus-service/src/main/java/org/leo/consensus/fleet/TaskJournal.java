package org.leo.consensus.fleet;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.leo.boot.events.Sqlite;

/**
 * What the executor's coordinator must not forget across a kill -9 ({@link TaskExecution}): one row per task this Pi
 * executes, written before each stage begins, in a SQLite file opened as every durable store of the appliance
 * ({@link Sqlite#openDurable}: WAL, {@code synchronous=FULL}: a write is on disk when it returns). Bounded: a task in a
 * final stage is deleted once more than {@link #FINISHED_KEPT} finished ones are kept.
 */
final class TaskJournal implements AutoCloseable {
    /** Finished tasks kept for the operator. */
    static final int FINISHED_KEPT = 256;

    /**
     * One task's state: its group entry, the HPC chosen (empty before), the stage it is in, the next attempts of its two
     * rounds, and the ledger seqs of its ATTEST and CLEANUP certificates (0: none yet).
     */
    record Row(long taskSeq, long groupSeq, String hpc, TaskExecution.Stage stage, int attestAttempt, int cleanupAttempt, long attestSeq,
               long cleanupSeq) {
        Row with(TaskExecution.Stage s) {
            return new Row(taskSeq, groupSeq, hpc, s, attestAttempt, cleanupAttempt, attestSeq, cleanupSeq);
        }
    }

    private final Path file;
    private final Connection db;

    private TaskJournal(Path file, Connection db) {
        this.file = file;
        this.db = db;
    }

    static TaskJournal open(Path file) throws SQLException {
        Connection c = Sqlite.openDurable(file);
        try (Statement st = c.createStatement()) {
            st.executeUpdate("CREATE TABLE IF NOT EXISTS task (seq INTEGER PRIMARY KEY, group_seq INTEGER NOT NULL, hpc TEXT NOT NULL,"
                    + " stage TEXT NOT NULL, attest_attempt INTEGER NOT NULL, cleanup_attempt INTEGER NOT NULL, attest_seq INTEGER NOT NULL,"
                    + " cleanup_seq INTEGER NOT NULL, finished INTEGER)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new TaskJournal(file, c);
    }

    /** Writes {@code r} (replacing the task's row); on disk when it returns. */
    synchronized void write(Row r) {
        // finished: the order in which tasks finished (1, 2, ...: a counter in the file, not a clock), NULL while unfinished
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO task (seq, group_seq, hpc, stage, attest_attempt, cleanup_attempt,"
                + " attest_seq, cleanup_seq, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? THEN (SELECT COALESCE(MAX(finished), 0) + 1 FROM task)"
                + " ELSE NULL END)")) {
            ps.setLong(1, r.taskSeq());
            ps.setLong(2, r.groupSeq());
            ps.setString(3, r.hpc());
            ps.setString(4, r.stage().name());
            ps.setInt(5, r.attestAttempt());
            ps.setInt(6, r.cleanupAttempt());
            ps.setLong(7, r.attestSeq());
            ps.setLong(8, r.cleanupSeq());
            ps.setBoolean(9, r.stage().finished());
            ps.executeUpdate();
            if (r.stage().finished()) {
                try (Statement st = db.createStatement()) {
                    st.executeUpdate("DELETE FROM task WHERE finished IS NOT NULL AND seq NOT IN (SELECT seq FROM task WHERE finished IS NOT NULL"
                            + " ORDER BY finished DESC LIMIT " + FINISHED_KEPT + ")");
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("task journal " + file + ": " + e.getMessage(), e);
        }
    }

    synchronized Optional<Row> read(long taskSeq) {
        return all().stream().filter(r -> r.taskSeq() == taskSeq).findFirst();
    }

    /** Every task's row, in task order. */
    synchronized List<Row> all() {
        List<Row> out = new ArrayList<>();
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT seq, group_seq, hpc, stage, attest_attempt,"
                + " cleanup_attempt, attest_seq, cleanup_seq FROM task ORDER BY seq")) {
            while (rs.next()) {
                out.add(new Row(rs.getLong(1), rs.getLong(2), rs.getString(3), TaskExecution.Stage.valueOf(rs.getString(4)), rs.getInt(5),
                        rs.getInt(6), rs.getLong(7), rs.getLong(8)));
            }
        } catch (SQLException e) {
            throw new IllegalStateException("task journal " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // closing: nothing left to save
        }
    }
}
