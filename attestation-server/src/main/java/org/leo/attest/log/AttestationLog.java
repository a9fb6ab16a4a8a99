package org.leo.attest.log;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation event log: append-only, hash-chained ({@link ChainedEntry}), in SQLite (WAL,
 * {@code synchronous=FULL}). An entry is acknowledged (its future completes) only after the
 * transaction that holds it is on disk, so a kill -9 loses nothing acknowledged. One writer thread
 * commits whatever has queued up at once (group commit): a burst of verdicts costs one fsync.
 *
 * <p>Commit listeners (the TPM extender) are called on the writer thread, in chain order, after the
 * commit and before the futures complete.
 */
public final class AttestationLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestationLog.class);
    static final int SCHEMA_VERSION = 1;
    /** Entries queued at most; beyond it {@link #append} fails fast rather than holding memory without bound. */
    public static final int MAX_QUEUED = 65_536;
    /** Entries per transaction at most. */
    static final int MAX_BATCH = 512;
    /** Rows a query returns at most. */
    public static final int MAX_QUERY_ROWS = 10_000;

    private record Pending(LogEntry entry, CompletableFuture<ChainedEntry> done) { }

    private final Connection db;
    private final PreparedStatement insert;
    private final BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final List<Consumer<ChainedEntry>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread writer;
    private final Counter appended;
    private final Counter failures;
    private volatile boolean running = true;
    // Written by the writer thread only, read by head().
    private volatile ChainedEntry head;

    private AttestationLog(Connection db, ChainedEntry head, MeterRegistry registry) throws SQLException {
        this.db = db;
        this.head = head;
        this.insert = db.prepareStatement("INSERT INTO attest_log(seq, at_millis, hpc, kind, severity, event_id,"
                + " message, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        this.appended = registry.counter("attest.log.appended");
        this.failures = registry.counter("attest.log.failures");
        this.writer = new Thread(this::run, "attest-log-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    public static AttestationLog open(Path file) throws SQLException {
        return open(file, new SimpleMeterRegistry());
    }

    /** Opens (creating if needed) the log at {@code file}. The chain is not verified here: see {@link #verify}. */
    public static AttestationLog open(Path file, MeterRegistry registry) throws SQLException {
        Connection c = org.leo.boot.events.Sqlite.openDurable(file);
        try {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS attest_log ("
                        + " seq INTEGER PRIMARY KEY,"
                        + " at_millis INTEGER NOT NULL,"
                        + " hpc TEXT NOT NULL,"
                        + " kind TEXT NOT NULL,"
                        + " severity TEXT NOT NULL,"
                        + " event_id TEXT NOT NULL,"
                        + " message TEXT NOT NULL,"
                        + " detail TEXT NOT NULL,"
                        + " prev_hash BLOB NOT NULL,"
                        + " hash BLOB NOT NULL)");
                st.execute("CREATE INDEX IF NOT EXISTS attest_log_hpc ON attest_log(hpc, seq)");
                // Append-only in the schema too: an UPDATE or DELETE through SQLite is refused.
                st.execute("CREATE TRIGGER IF NOT EXISTS attest_log_no_update BEFORE UPDATE ON attest_log"
                        + " BEGIN SELECT RAISE(ABORT, 'attest_log is append-only'); END");
                st.execute("CREATE TRIGGER IF NOT EXISTS attest_log_no_delete BEFORE DELETE ON attest_log"
                        + " BEGIN SELECT RAISE(ABORT, 'attest_log is append-only'); END");
                st.execute("PRAGMA user_version=" + SCHEMA_VERSION);
            }
            ChainedEntry head = readLast(c);
            return new AttestationLog(c, head, registry);
        } catch (SQLException e) {
            c.close();
            throw e;
        }
    }

    /** Called after each commit, in chain order, on the writer thread (e.g. to extend the head into a PCR). */
    public void onCommit(Consumer<ChainedEntry> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    /**
     * Queues {@code entry}; the future completes with its chained form once it is durable, or
     * exceptionally if it could not be written (then it is not in the log).
     */
    public CompletableFuture<ChainedEntry> append(LogEntry entry) {
        CompletableFuture<ChainedEntry> done = new CompletableFuture<>();
        if (!running) {
            done.completeExceptionally(new IllegalStateException("attestation log is closed"));
        } else if (!queue.offer(new Pending(entry, done))) {
            failures.increment();
            done.completeExceptionally(new IllegalStateException("attestation log queue full (" + MAX_QUEUED + ")"));
        }
        return done;
    }

    /** Appends and waits until durable. */
    public ChainedEntry appendDurably(LogEntry entry) {
        try {
            return append(entry).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while appending to the attestation log", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("not appended: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("attestation log did not commit within 30 s", e);
        }
    }

    /** The last durable entry, if any. */
    public Optional<ChainedEntry> head() {
        return Optional.ofNullable(head);
    }

    /** The head's hash: genesis (32 zero bytes) for an empty log. */
    public byte[] headHash() {
        ChainedEntry h = head;
        return h == null ? ChainedEntry.GENESIS.clone() : h.hash();
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (RuntimeException e) { // the writer must not die: nothing would be logged any more
                LOG.error("attestation log writer: {}", e.toString(), e);
            } finally {
                batch.clear();
            }
        }
        Pending left;
        while ((left = queue.poll()) != null) {
            left.done().completeExceptionally(new IllegalStateException("attestation log closed"));
        }
    }

    private void commit(List<Pending> batch) {
        ChainedEntry last = head;
        long seq = last == null ? 0 : last.seq();
        byte[] prev = last == null ? ChainedEntry.GENESIS : last.hash();
        List<ChainedEntry> chained = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            ChainedEntry c = ChainedEntry.chain(++seq, p.entry(), prev);
            chained.add(c);
            prev = c.hash();
        }
        try {
            synchronized (db) {
                org.leo.boot.events.Sqlite.inTransaction(db, () -> {
                    for (ChainedEntry c : chained) {
                        bind(c);
                        insert.executeUpdate();
                    }
                });
            }
        } catch (SQLException e) {
            failures.increment(batch.size());
            LOG.error("attestation log: cannot commit {} entries: {}", batch.size(), e.getMessage());
            for (Pending p : batch) {
                p.done().completeExceptionally(new IllegalStateException("not recorded: " + e.getMessage(), e));
            }
            return;
        }
        head = chained.get(chained.size() - 1);
        appended.increment(chained.size());
        for (ChainedEntry c : chained) {
            for (Consumer<ChainedEntry> l : listeners) {
                try {
                    l.accept(c);
                } catch (RuntimeException e) {
                    LOG.error("attestation log listener failed on #{}: {}", c.seq(), e.toString());
                }
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).done().complete(chained.get(i));
        }
    }

    private void bind(ChainedEntry c) throws SQLException {
        LogEntry e = c.entry();
        insert.setLong(1, c.seq());
        insert.setLong(2, e.at().toEpochMilli());
        insert.setString(3, e.hpc());
        insert.setString(4, e.kind().name());
        insert.setString(5, e.severity());
        insert.setString(6, e.eventId());
        insert.setString(7, e.message());
        insert.setString(8, e.detail());
        insert.setBytes(9, c.prevHash());
        insert.setBytes(10, c.hash());
    }

    /** Entries with {@code seq > afterSeq}, oldest first, at most {@code limit} ({@link #MAX_QUERY_ROWS}). */
    public List<ChainedEntry> since(long afterSeq, int limit) {
        return query("SELECT * FROM attest_log WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit);
    }

    /** The newest {@code limit} entries about {@code hpc}, oldest first. */
    public List<ChainedEntry> forHpc(String hpc, int limit) {
        List<ChainedEntry> newestFirst = query("SELECT * FROM attest_log WHERE hpc = ? ORDER BY seq DESC LIMIT ?", hpc, limit);
        List<ChainedEntry> out = new ArrayList<>(newestFirst);
        java.util.Collections.reverse(out);
        return out;
    }

    private List<ChainedEntry> query(String sql, Object key, int limit) {
        synchronized (db) {
            try (PreparedStatement ps = db.prepareStatement(sql)) {
                if (key instanceof Long l) {
                    ps.setLong(1, l);
                } else {
                    ps.setString(1, (String) key);
                }
                ps.setInt(2, Math.max(0, Math.min(limit, MAX_QUERY_ROWS)));
                try (ResultSet rs = ps.executeQuery()) {
                    List<ChainedEntry> out = new ArrayList<>();
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                    return out;
                }
            } catch (SQLException e) {
                throw new IllegalStateException("attestation log query failed: " + e.getMessage(), e);
            }
        }
    }

    /** Recomputes the whole chain of this log. */
    public ChainReport verify() {
        synchronized (db) {
            return verify(db);
        }
    }

    /** Recomputes the whole chain of the log at {@code file}, read-only (the CLI's {@code leo attest log verify}). */
    public static ChainReport verify(Path file) throws SQLException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new SQLException("no attestation log at " + file);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + file.toAbsolutePath() + "?mode=ro")) {
            return verify(c);
        }
    }

    private static ChainReport verify(Connection c) {
        long expectedSeq = 1;
        byte[] prev = ChainedEntry.GENESIS;
        long count = 0;
        HexFormat hex = HexFormat.of();
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM attest_log WHERE seq >= ? ORDER BY seq LIMIT 10000")) {
            while (true) {
                ps.setLong(1, expectedSeq);
                int rows = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                        ChainedEntry e;
                        try {
                            e = row(rs);
                        } catch (RuntimeException bad) {
                            return new ChainReport(count, expectedSeq - 1, prev,
                                    Optional.of("entry #" + rs.getLong("seq") + " cannot be read: " + bad.getMessage()));
                        }
                        if (e.seq() != expectedSeq) {
                            return new ChainReport(count, expectedSeq - 1, prev,
                                    Optional.of("entry #" + expectedSeq + " is missing (next is #" + e.seq() + ")"));
                        }
                        if (!Arrays.equals(e.prevHash(), prev)) {
                            return new ChainReport(count, expectedSeq - 1, prev, Optional.of("entry #" + e.seq()
                                    + " points back to " + hex.formatHex(e.prevHash()) + ", but entry #" + (e.seq() - 1)
                                    + " hashes to " + hex.formatHex(prev)));
                        }
                        if (!e.hashMatches()) {
                            return new ChainReport(count, expectedSeq - 1, prev, Optional.of("entry #" + e.seq()
                                    + " was altered: its content hashes to "
                                    + hex.formatHex(ChainedEntry.computeHash(e.seq(), e.entry(), e.prevHash()))
                                    + ", the chain says " + e.hashHex()));
                        }
                        prev = e.hash();
                        count++;
                        expectedSeq++;
                    }
                }
                if (rows == 0) {
                    return new ChainReport(count, expectedSeq - 1, prev, Optional.empty());
                }
            }
        } catch (SQLException e) {
            return new ChainReport(count, expectedSeq - 1, prev, Optional.of("cannot read the log: " + e.getMessage()));
        }
    }

    private static ChainedEntry readLast(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM attest_log ORDER BY seq DESC LIMIT 1")) {
            return rs.next() ? row(rs) : null;
        }
    }

    private static ChainedEntry row(ResultSet rs) throws SQLException {
        LogEntry e = new LogEntry(Instant.ofEpochMilli(rs.getLong("at_millis")), rs.getString("hpc"),
                LogEntry.Kind.valueOf(rs.getString("kind")), rs.getString("severity"), rs.getString("event_id"),
                rs.getString("message"), rs.getString("detail"));
        return new ChainedEntry(rs.getLong("seq"), e, rs.getBytes("prev_hash"), rs.getBytes("hash"));
    }

    @Override
    public void close() throws SQLException {
        running = false;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (db) {
            insert.close();
            db.close();
        }
    }
}
