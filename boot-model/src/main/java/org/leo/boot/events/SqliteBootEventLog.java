package org.leo.boot.events;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootEventSink;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.SentRange;
import org.leo.boot.events.Protocol;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable boot event log: one SQLite file in WAL mode with {@code synchronous=FULL}, so a
 * commit is on disk (WAL fsync'd) before {@link #record} returns, and an acknowledged event
 * survives a crash or power cut. One connection, one writer: every method is synchronized.
 *
 * <p>Schema version 1 (table {@code boot_event}, index on {@code (mac, id)}). Times are stored
 * as ISO-8601 text (lossless), MACs in the lower-case colon form.
 */
public final class SqliteBootEventLog implements BootEventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteBootEventLog.class);
    static final int SCHEMA_VERSION = 2;
    /** Most rows any query returns: a query is for a screen or one boot, not a dump. */
    public static final int MAX_QUERY_ROWS = 10_000;
    /** Longest text column value kept; longer values (only possible from a buggy caller) are cut. */
    static final int MAX_TEXT = 1024;

    private static final String COLUMNS = "id, at, mac, client, stage, protocol, file, bytes, sha256, nonce, detail, range_first, range_last, range_total";

    private final Connection db;
    private final PreparedStatement insert;

    private SqliteBootEventLog(Connection db) throws SQLException {
        this.db = db;
        this.insert = db.prepareStatement("INSERT INTO boot_event(at, mac, client, stage, protocol, file, bytes, sha256, nonce, detail,"
                + " range_first, range_last, range_total) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    }

    /** Schema 2: the part of a file an HTTP range request carried, as columns (a log of schema 1 gains them, empty). */
    private static void addRangeColumns(Connection c, Statement st) throws SQLException {
        boolean has = false;
        try (ResultSet rs = st.executeQuery("PRAGMA table_info(boot_event)")) {
            while (rs.next()) {
                has |= rs.getString("name").equals("range_first");
            }
        }
        if (!has) {
            st.execute("ALTER TABLE boot_event ADD COLUMN range_first INTEGER");
            st.execute("ALTER TABLE boot_event ADD COLUMN range_last INTEGER");
            st.execute("ALTER TABLE boot_event ADD COLUMN range_total INTEGER");
        }
    }

    /** Opens (creating if needed) the log at {@code file}. */
    public static SqliteBootEventLog open(Path file) throws SQLException {
        Connection c = Sqlite.openDurable(file);
        try {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS boot_event ("
                        + " id INTEGER PRIMARY KEY AUTOINCREMENT,"
                        + " at TEXT NOT NULL,"
                        + " mac TEXT,"
                        + " client TEXT NOT NULL,"
                        + " stage TEXT NOT NULL,"
                        + " protocol TEXT,"
                        + " file TEXT NOT NULL,"
                        + " bytes INTEGER NOT NULL,"
                        + " sha256 TEXT NOT NULL,"
                        + " nonce TEXT NOT NULL,"
                        + " detail TEXT NOT NULL)");
                st.execute("CREATE INDEX IF NOT EXISTS boot_event_mac_id ON boot_event(mac, id)");
                addRangeColumns(c, st);
                st.execute("PRAGMA user_version=" + SCHEMA_VERSION);
            }
            return new SqliteBootEventLog(c);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** Records {@code event}; returns after the commit. Failure to persist is an unchecked {@link IllegalStateException}. */
    @Override
    public void record(BootEvent event) {
        append(event);
    }

    /** Records {@code events} in one transaction (one fsync for a burst); all or none. */
    @Override
    public synchronized void recordAll(List<BootEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            Sqlite.inTransaction(db, () -> {
                for (BootEvent e : events) {
                    bind(e);
                    insert.executeUpdate();
                }
            });
        } catch (SQLException e) {
            LOG.error("boot event log: cannot record {} events: {}", events.size(), e.getMessage());
            throw new IllegalStateException("boot events not recorded: " + e.getMessage(), e);
        }
    }

    private void bind(BootEvent event) throws SQLException {
        insert.setString(1, event.at().toString());
        insert.setString(2, event.mac().map(MacAddress::toString).orElse(null));
        insert.setString(3, cut(event.client()));
        insert.setString(4, event.stage().name());
        insert.setString(5, event.protocol() == null ? null : event.protocol().name());
        insert.setString(6, cut(event.file()));
        insert.setLong(7, event.bytes());
        insert.setString(8, cut(event.sha256Hex()));
        insert.setString(9, cut(event.bootNonce()));
        insert.setString(10, cut(event.detail()));
        if (event.range().isPresent()) {
            insert.setLong(11, event.range().get().first());
            insert.setLong(12, event.range().get().last());
            insert.setLong(13, event.range().get().total());
        } else {
            insert.setNull(11, java.sql.Types.INTEGER);
            insert.setNull(12, java.sql.Types.INTEGER);
            insert.setNull(13, java.sql.Types.INTEGER);
        }
    }

    /** Records {@code event} and returns its id once committed. */
    public synchronized long append(BootEvent event) {
        try {
            bind(event);
            insert.executeUpdate();
            try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT last_insert_rowid()")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            LOG.error("boot event log: cannot record {} for {}: {}", event.stage(), event.client(), e.getMessage());
            throw new IllegalStateException("boot event not recorded: " + e.getMessage(), e);
        }
    }

    /** The id of the newest event, 0 for an empty log: where a reader that wants only what comes next starts. */
    public synchronized long latestId() {
        try (Statement st = db.createStatement(); ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM boot_event")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("boot event log: " + e.getMessage(), e);
        }
    }

    /** The last {@code limit} events of {@code mac}, oldest first. */
    public synchronized List<BootEvent> eventsFor(MacAddress mac, int limit) {
        return loggedFor(mac, limit).stream().map(LoggedEvent::event).toList();
    }

    /** The last {@code limit} events of {@code mac} with their log ids, oldest first. */
    public synchronized List<LoggedEvent> loggedFor(MacAddress mac, int limit) {
        List<LoggedEvent> out = new ArrayList<>(query("SELECT " + COLUMNS + " FROM boot_event WHERE mac = ? ORDER BY id DESC LIMIT ?",
                mac.toString(), clamp(limit)));
        Collections.reverse(out);
        return out;
    }

    /** Up to {@code limit} events with an id greater than {@code afterId}, oldest first. */
    public synchronized List<LoggedEvent> since(long afterId, int limit) {
        return query("SELECT " + COLUMNS + " FROM boot_event WHERE id > ? ORDER BY id LIMIT ?", afterId, clamp(limit));
    }

    /**
     * The boot that started with the last SCRIPT_SERVED for {@code mac} that was delivered: a later
     * FILE_SERVED of the same file with the same SHA-256 (the script's text holds its nonce, so the
     * digest names that one script) says the client acknowledged all of it. A script made for a
     * request that never took delivery (a one-way spoof from the segment, an HTTP HEAD) starts no
     * boot; the events it left stay in the session they fall in.
     */
    public synchronized Optional<BootSession> latestBoot(MacAddress mac) {
        List<LoggedEvent> script = query("SELECT " + COLUMNS + " FROM boot_event s WHERE mac = ? AND stage = ? AND EXISTS ("
                        + "SELECT 1 FROM boot_event d WHERE d.mac = s.mac AND d.stage = ? AND d.file = s.file AND d.sha256 = s.sha256"
                        + " AND d.id > s.id) ORDER BY id DESC LIMIT 1",
                mac.toString(), BootStage.SCRIPT_SERVED.name(), BootStage.FILE_SERVED.name());
        if (script.isEmpty()) {
            return Optional.empty();
        }
        LoggedEvent start = script.get(0);
        List<LoggedEvent> events = query("SELECT " + COLUMNS + " FROM boot_event WHERE mac = ? AND id >= ? ORDER BY id LIMIT ?",
                mac.toString(), start.id(), MAX_QUERY_ROWS);
        return Optional.of(new BootSession(mac, start.event().bootNonce(), start.event().at(), start.id(),
                start.event().sha256Hex(), events));
    }

    @Override
    public synchronized void close() throws SQLException {
        insert.close();
        db.close();
    }

    private List<LoggedEvent> query(String sql, Object... args) {
        try (PreparedStatement ps = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            List<LoggedEvent> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row(rs));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("boot event log query failed: " + e.getMessage(), e);
        }
    }

    private static LoggedEvent row(ResultSet rs) throws SQLException {
        String mac = rs.getString(3);
        String protocol = rs.getString(6);
        BootEvent e = new BootEvent(Instant.parse(rs.getString(2)),
                mac == null ? Optional.empty() : Optional.of(MacAddress.parse(mac)),
                rs.getString(4), BootStage.valueOf(rs.getString(5)),
                protocol == null ? null : Protocol.valueOf(protocol),
                rs.getString(7), rs.getLong(8), rs.getString(9), rs.getString(10), rs.getString(11), range(rs));
        return new LoggedEvent(rs.getLong(1), e);
    }

    private static Optional<SentRange> range(ResultSet rs) throws SQLException {
        long first = rs.getLong(12);
        if (rs.wasNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SentRange(first, rs.getLong(13), rs.getLong(14)));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // our own rows are well-formed; a damaged one counts as no part
        }
    }

    private static int clamp(int limit) {
        return Math.max(0, Math.min(limit, MAX_QUERY_ROWS));
    }

    private static String cut(String s) {
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
    }
}
