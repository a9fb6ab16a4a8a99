package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.ClientDirectory;
import org.leo.boot.net.MacAddress;

/**
 * The lease table in SQLite (WAL, {@code synchronous=FULL}) with an in-memory index of it. One row
 * per MAC; the address column is UNIQUE, so two clients can never hold one address even if the
 * policy had a bug. Declined addresses are kept here too.
 *
 * <p>Reads are answered from memory (the allocator probes many pool addresses per DISCOVER, a
 * query each would cost more than the whole DHCP exchange). Writes go through
 * {@link #stage(Lease, Instant)}, which checks and applies the lease to the index at once so later
 * decisions see it, and {@link #flush()}, which commits every staged lease in ONE transaction (group
 * commit: one fsync for a burst of clients). The DHCP worker flushes before it sends any reply of
 * the burst, so an ACK still leaves only after its lease is durable and a kill -9 neither loses nor
 * duplicates a lease. If the commit fails the index is reloaded from the database, forgetting the
 * staged leases, and the caller sends none of the replies. {@link #commit(Lease, Instant)} is stage
 * plus flush.
 *
 * <p>Thread-safe (synchronized); the DHCP server writes from one thread, TFTP and HTTP read.
 */
public final class LeaseStore implements ClientDirectory, AutoCloseable {
    private record Staged(Lease lease, Instant now) {
    }

    private final Connection db;
    private final Map<MacAddress, Lease> byMac = new HashMap<>();
    private final Map<Inet4Address, Lease> byAddress = new HashMap<>();
    private final Map<Inet4Address, Instant> declined = new HashMap<>();
    private final List<Staged> staged = new ArrayList<>();

    private LeaseStore(Connection db) {
        this.db = db;
    }

    /** Opens (creating if needed) the store at {@code file}. */
    public static LeaseStore open(Path file) {
        try {
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS dhcp_lease (mac TEXT PRIMARY KEY, ip TEXT NOT NULL UNIQUE, "
                        + "expires_at INTEGER NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS dhcp_declined (ip TEXT PRIMARY KEY, until INTEGER NOT NULL)");
            }
            LeaseStore store = new LeaseStore(c);
            store.reload();
            return store;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open lease store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Durably records {@code lease} (stage and flush), replacing the MAC's previous binding and
     * taking over an expired binding of another MAC on the same address, in one transaction. Throws
     * {@link IllegalStateException} if another MAC holds an active lease on the address.
     */
    public synchronized void commit(Lease lease, Instant now) {
        stage(lease, now);
        flush();
    }

    /**
     * Applies {@code lease} to the index now and queues it for the next {@link #flush()}: not durable
     * until then, so nothing may be acknowledged on its strength before the flush. Throws
     * {@link IllegalStateException} (and changes nothing) if another MAC holds an active lease on the address.
     */
    public synchronized void stage(Lease lease, Instant now) {
        Lease l = new Lease(lease.mac(), lease.address(), Instant.ofEpochMilli(lease.expiresAt().toEpochMilli()));
        Lease holder = byAddress.get(l.address());
        if (holder != null && !holder.mac().equals(l.mac()) && holder.expiresAt().toEpochMilli() > now.toEpochMilli()) {
            throw new IllegalStateException("lease " + l.address().getHostAddress() + " for " + l.mac()
                    + " not stored: " + holder.mac() + " holds it until " + holder.expiresAt());
        }
        if (holder != null && !holder.mac().equals(l.mac())) {
            byMac.remove(holder.mac());
        }
        Lease previous = byMac.put(l.mac(), l);
        if (previous != null && !previous.address().equals(l.address())) {
            byAddress.remove(previous.address(), previous);
        }
        byAddress.put(l.address(), l);
        staged.add(new Staged(l, now));
    }

    /** True when leases are staged but not yet durable. */
    public synchronized boolean hasStaged() {
        return !staged.isEmpty();
    }

    /**
     * Commits every staged lease in one transaction and returns once it is durable (no-op when
     * nothing is staged). On failure the index is reloaded from the database (the staged leases
     * are forgotten) and {@link IllegalStateException} is thrown.
     */
    public synchronized void flush() {
        if (staged.isEmpty()) {
            return;
        }
        List<Staged> batch = List.copyOf(staged);
        staged.clear();
        try {
            db.setAutoCommit(false);
            try (PreparedStatement del = db.prepareStatement(
                    "DELETE FROM dhcp_lease WHERE ip = ? AND mac <> ? AND expires_at <= ?");
                 PreparedStatement p = db.prepareStatement(
                    "INSERT INTO dhcp_lease (mac, ip, expires_at) VALUES (?, ?, ?) "
                            + "ON CONFLICT(mac) DO UPDATE SET ip = excluded.ip, expires_at = excluded.expires_at")) {
                for (Staged s : batch) {
                    Lease lease = s.lease();
                    del.setString(1, lease.address().getHostAddress());
                    del.setString(2, lease.mac().toString());
                    del.setLong(3, s.now().toEpochMilli());
                    del.executeUpdate();
                    p.setString(1, lease.mac().toString());
                    p.setString(2, lease.address().getHostAddress());
                    p.setLong(3, lease.expiresAt().toEpochMilli());
                    p.executeUpdate();
                }
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            reloadAfterFailure();
            Lease first = batch.get(0).lease();
            throw new IllegalStateException(batch.size() + " lease(s) (first " + first.address().getHostAddress()
                    + " for " + first.mac() + ") not stored: " + e.getMessage(), e);
        }
    }

    /** Ends the lease of {@code mac} now (RELEASE); the binding stays for address affinity. */
    public synchronized void expire(MacAddress mac, Instant now) {
        flush();
        update("UPDATE dhcp_lease SET expires_at = ? WHERE mac = ? AND expires_at > ?", now.toEpochMilli(), mac.toString(),
                now.toEpochMilli());
        Lease l = byMac.get(mac);
        if (l != null && l.expiresAt().toEpochMilli() > now.toEpochMilli()) {
            Lease ended = new Lease(mac, l.address(), Instant.ofEpochMilli(now.toEpochMilli()));
            byMac.put(mac, ended);
            byAddress.put(l.address(), ended);
        }
    }

    /** Forgets the binding of {@code mac} (after a DECLINE of its address). */
    public synchronized void remove(MacAddress mac) {
        flush();
        update("DELETE FROM dhcp_lease WHERE mac = ?", mac.toString());
        Lease l = byMac.remove(mac);
        if (l != null) {
            byAddress.remove(l.address(), l);
        }
    }

    public synchronized Optional<Lease> byMac(MacAddress mac) {
        return Optional.ofNullable(byMac.get(mac));
    }

    public synchronized Optional<Lease> byAddress(Inet4Address address) {
        return Optional.ofNullable(byAddress.get(address));
    }

    public synchronized List<Lease> all() {
        List<Lease> out = new ArrayList<>(byMac.values());
        out.sort(Comparator.comparing(l -> l.mac().toString()));
        return out;
    }

    /** Marks {@code address} unusable until {@code until} (DECLINE, RFC 2131 4.3.3). */
    public synchronized void decline(Inet4Address address, Instant until) {
        flush();
        update("INSERT INTO dhcp_declined (ip, until) VALUES (?, ?) ON CONFLICT(ip) DO UPDATE SET until = excluded.until",
                address.getHostAddress(), until.toEpochMilli());
        declined.put(address, Instant.ofEpochMilli(until.toEpochMilli()));
    }

    public synchronized boolean isDeclined(Inet4Address address, Instant now) {
        Instant until = declined.get(address);
        return until != null && until.toEpochMilli() > now.toEpochMilli();
    }

    /** {@link ClientDirectory}: the MAC with an active lease on {@code address}. */
    @Override
    public Optional<MacAddress> macOf(InetAddress address) {
        if (!(address instanceof Inet4Address a)) {
            return Optional.empty();
        }
        Instant now = Instant.now();
        return byAddress(a).filter(l -> l.isActive(now)).map(Lease::mac);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException("closing lease store: " + e.getMessage(), e);
        }
    }

    private void reload() throws SQLException {
        byMac.clear();
        byAddress.clear();
        declined.clear();
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT mac, ip, expires_at FROM dhcp_lease")) {
            while (r.next()) {
                Lease l = new Lease(MacAddress.parse(r.getString(1)), parse(r.getString(2)), Instant.ofEpochMilli(r.getLong(3)));
                byMac.put(l.mac(), l);
                byAddress.put(l.address(), l);
            }
        }
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT ip, until FROM dhcp_declined")) {
            while (r.next()) {
                declined.put(parse(r.getString(1)), Instant.ofEpochMilli(r.getLong(2)));
            }
        }
    }

    private void reloadAfterFailure() {
        try {
            reload();
        } catch (SQLException e) {
            // The index may now be ahead of the disk; the UNIQUE constraint still guards the table.
            throw new IllegalStateException("lease store unreadable after a failed commit: " + e.getMessage(), e);
        }
    }

    private void update(String sql, Object... args) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            p.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("lease store update failed: " + e.getMessage(), e);
        }
    }

    private static Inet4Address parse(String dotted) {
        String[] p = dotted.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return DhcpOptions.toInet4(b);
    }
}
