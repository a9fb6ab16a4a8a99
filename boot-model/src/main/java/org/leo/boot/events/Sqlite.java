package org.leo.boot.events;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The appliance's SQLite files, opened one way: WAL journal, {@code synchronous=FULL} (a commit is
 * on disk when it returns, so what was acknowledged survives a kill -9 or a power cut), a busy
 * timeout for readers in other processes; and transactions that roll back on any failure.
 */
public final class Sqlite {
    /** Work done inside a transaction. */
    @FunctionalInterface
    public interface Work {
        void run() throws SQLException;
    }

    private Sqlite() {
    }

    /** Opens (creating if needed) {@code file} for durable commits. */
    public static Connection openDurable(Path file) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode=WAL")) {
                if (!rs.next() || !"wal".equalsIgnoreCase(rs.getString(1))) {
                    throw new SQLException("cannot switch " + file + " to WAL mode");
                }
            }
            st.execute("PRAGMA synchronous=FULL");
            st.execute("PRAGMA busy_timeout=5000");
            return c;
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** Runs {@code work} in one transaction on {@code db}: committed if it returns, rolled back if it throws. */
    public static void inTransaction(Connection db, Work work) throws SQLException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }
}
