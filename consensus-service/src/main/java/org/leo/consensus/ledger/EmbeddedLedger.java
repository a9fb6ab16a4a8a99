package org.leo.consensus.ledger;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.events.Sqlite;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded ledger: one SQLite table, append-only, each entry hash-chained to the one before
 * ({@link LedgerEntry}), written with synchronous=FULL so an acknowledged append survives a kill -9
 * or a power cut. Credit, token balances and escrow are derived state: replayed from the records by
 * {@link LedgerRules} when the ledger opens and kept up to date on each append, so it can never disagree with the chain; a record
 * the rules refuse is never written, and a ledger holding one refuses to open.
 */
public final class EmbeddedLedger implements Ledger {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedLedger.class);
    private static final int MAX_QUERY_ROWS = 10_000;

    private final Connection db;
    private final PreparedStatement insert;
    private LedgerEntry head;
    private final LedgerRules rules = new LedgerRules();

    private EmbeddedLedger(Connection db) throws SQLException {
        this.db = db;
        this.insert = db.prepareStatement("INSERT INTO ledger (seq, type, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)");
    }

    /** Opens (or creates) the ledger at {@code file}; refuses a ledger whose chain does not verify. */
    public static EmbeddedLedger open(Path file) throws SQLException {
        Connection c = Sqlite.openDurable(file);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ledger (seq INTEGER PRIMARY KEY, type INTEGER NOT NULL, body BLOB NOT NULL,"
                    + " prev_hash BLOB NOT NULL, hash BLOB NOT NULL)");
        }
        EmbeddedLedger l = new EmbeddedLedger(c);
        // one pass: each row's hash is checked against the chain, then its record replayed by the rules
        Optional<String> broken;
        try {
            broken = l.walk((seq, type, body, prev, hash) -> {
                try {
                    l.apply(new LedgerEntry(seq, LedgerCodec.decode(type, body), prev, hash));
                } catch (IllegalArgumentException ex) {
                    throw new IllegalArgumentException("entry #" + seq + " breaks the ledger's rules: " + ex.getMessage(), ex);
                }
            });
        } catch (IllegalArgumentException ex) {
            l.close();
            throw new SQLException("ledger " + file + ": " + ex.getMessage());
        }
        if (broken.isPresent()) {
            l.close();
            throw new SQLException("ledger " + file + " does not verify: " + broken.get());
        }
        LOG.info("ledger {}: {} entries, head {}", file, l.head == null ? 0 : l.head.seq(),
                l.head == null ? "genesis" : HexFormat.of().formatHex(l.head.hash()));
        return l;
    }

    @Override
    public synchronized LedgerEntry append(LedgerRecord record) {
        long seq = head == null ? 1 : head.seq() + 1;
        rules.refusal(seq, record).ifPresent(reason -> {
            throw new IllegalArgumentException("ledger append #" + seq + " refused: " + reason);
        });
        LedgerEntry e = LedgerEntry.chain(seq, record, head == null ? GENESIS : head.hash());
        try {
            insert.setLong(1, seq);
            insert.setInt(2, record.type());
            insert.setBytes(3, record.body());
            insert.setBytes(4, e.prevHash());
            insert.setBytes(5, e.hash());
            insert.executeUpdate(); // autocommit, synchronous=FULL: durable when this returns
        } catch (SQLException ex) {
            throw new IllegalStateException("ledger append #" + seq + " failed: " + ex.getMessage(), ex);
        }
        apply(e);
        LOG.info("ledger: {}", e);
        return e;
    }

    private void apply(LedgerEntry e) {
        rules.apply(e);
        head = e;
    }

    @Override
    public synchronized Optional<LedgerEntry> head() {
        return Optional.ofNullable(head);
    }

    @Override
    public synchronized List<LedgerEntry> entries(long fromSeq, int limit) {
        List<LedgerEntry> out = new ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT seq, type, body, prev_hash, hash FROM ledger WHERE seq >= ? ORDER BY seq LIMIT ?")) {
            ps.setLong(1, fromSeq);
            ps.setInt(2, Math.max(0, Math.min(limit, MAX_QUERY_ROWS)));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new LedgerEntry(rs.getLong(1), LedgerCodec.decode(rs.getInt(2), rs.getBytes(3)), rs.getBytes(4), rs.getBytes(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("ledger read failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public synchronized Map<String, Long> credits() {
        return rules.credits();
    }

    @Override
    public synchronized Map<String, Long> balances() {
        return rules.balances();
    }

    @Override
    public synchronized LedgerRules.Tokens tokens() {
        return rules.tokens();
    }

    /** The operator's bookkeeping: tokens credited to the member, named to its account if it has one. */
    @Override
    public synchronized LedgerEntry deposit(byte[] member, long amount) {
        return append(new LedgerRecord.TokensDeposited(member, amount, rules.account(HexFormat.of().formatHex(member))));
    }

    /** The operator's bookkeeping: tokens the operator paid the member out of the ledger. */
    @Override
    public synchronized LedgerEntry withdraw(byte[] member, long amount) {
        return append(new LedgerRecord.TokensWithdrawn(member, amount, rules.account(HexFormat.of().formatHex(member))));
    }

    @Override
    public synchronized Optional<String> verifyChain() {
        return walk((seq, type, body, prev, hash) -> { });
    }

    /** One stored row, its hash already checked against the chain. */
    @FunctionalInterface
    private interface RowVisitor {
        void visit(long seq, int type, byte[] body, byte[] prevHash, byte[] hash);
    }

    /** Recomputes the chain from the first row, handing each verified row to {@code visitor}; the first break, or empty. */
    private Optional<String> walk(RowVisitor visitor) {
        byte[] prev = GENESIS;
        long expected = 1;
        try (Statement st = db.createStatement();
             ResultSet rs = st.executeQuery("SELECT seq, type, body, prev_hash, hash FROM ledger ORDER BY seq")) {
            while (rs.next()) {
                long seq = rs.getLong(1);
                if (seq != expected) {
                    return Optional.of("entry #" + expected + " is missing (next is #" + seq + ")");
                }
                byte[] body = rs.getBytes(3);
                if (!Arrays.equals(rs.getBytes(4), prev)) {
                    return Optional.of("entry #" + seq + " does not point back to entry #" + (seq - 1));
                }
                byte[] hash = LedgerEntry.computeHash(seq, rs.getInt(2), body, prev);
                if (!Arrays.equals(hash, rs.getBytes(5))) {
                    return Optional.of("entry #" + seq + " hashes to " + HexFormat.of().formatHex(hash) + ", not to the stored hash");
                }
                visitor.visit(seq, rs.getInt(2), body, prev, hash);
                prev = hash;
                expected++;
            }
        } catch (SQLException e) {
            return Optional.of("cannot read the ledger: " + e.getMessage());
        }
        return Optional.empty();
    }

    @Override
    public synchronized void close() {
        try {
            insert.close();
            db.close();
        } catch (SQLException e) {
            LOG.warn("ledger close: {}", e.getMessage());
        }
    }
}
