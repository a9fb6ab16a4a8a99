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
import java.util.List;
import java.util.Optional;
import org.leo.pxe.boot.ClientDirectory;
import org.leo.pxe.net.MacAddress;

/**
 * The lease table in SQLite (WAL, {@code synchronous=FULL}): {@link #commit(Lease)} returns only
 * after the row is durable, so the server commits before it sends the ACK and a kill -9 neither
 * loses nor duplicates a lease. One row per MAC; the address column is UNIQUE, so two clients can
 * never hold one address even if the policy had a bug. Declined addresses are kept here too.
 *
 * <p>Thread-safe (synchronized); the DHCP server calls it from one thread.
 */
public final class LeaseStore implements ClientDirectory, AutoCloseable {
    private final Connection db;

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
            return new LeaseStore(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open lease store " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Durably records {@code lease}, replacing the MAC's previous binding and taking over an
     * expired binding of another MAC on the same address, in one transaction. Throws
     * {@link IllegalStateException} if another MAC holds an active lease on the address.
     */
    public synchronized void commit(Lease lease, Instant now) {
        try {
            db.setAutoCommit(false);
            try (PreparedStatement del = db.prepareStatement(
                    "DELETE FROM dhcp_lease WHERE ip = ? AND mac <> ? AND expires_at <= ?");
                 PreparedStatement p = db.prepareStatement(
                    "INSERT INTO dhcp_lease (mac, ip, expires_at) VALUES (?, ?, ?) "
                            + "ON CONFLICT(mac) DO UPDATE SET ip = excluded.ip, expires_at = excluded.expires_at")) {
                del.setString(1, lease.address().getHostAddress());
                del.setString(2, lease.mac().toString());
                del.setLong(3, now.toEpochMilli());
                del.executeUpdate();
                p.setString(1, lease.mac().toString());
                p.setString(2, lease.address().getHostAddress());
                p.setLong(3, lease.expiresAt().toEpochMilli());
                p.executeUpdate();
                db.commit();
            } catch (SQLException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("lease " + lease.address().getHostAddress() + " for " + lease.mac()
                    + " not stored: " + e.getMessage(), e);
        }
    }

    /** Ends the lease of {@code mac} now (RELEASE); the binding stays for address affinity. */
    public synchronized void expire(MacAddress mac, Instant now) {
        update("UPDATE dhcp_lease SET expires_at = ? WHERE mac = ? AND expires_at > ?", now.toEpochMilli(), mac.toString(),
                now.toEpochMilli());
    }

    /** Forgets the binding of {@code mac} (after a DECLINE of its address). */
    public synchronized void remove(MacAddress mac) {
        update("DELETE FROM dhcp_lease WHERE mac = ?", mac.toString());
    }

    public synchronized Optional<Lease> byMac(MacAddress mac) {
        List<Lease> l = query("SELECT mac, ip, expires_at FROM dhcp_lease WHERE mac = ?", mac.toString());
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    public synchronized Optional<Lease> byAddress(Inet4Address address) {
        List<Lease> l = query("SELECT mac, ip, expires_at FROM dhcp_lease WHERE ip = ?", address.getHostAddress());
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }

    public synchronized List<Lease> all() {
        return query("SELECT mac, ip, expires_at FROM dhcp_lease ORDER BY mac");
    }

    /** Marks {@code address} unusable until {@code until} (DECLINE, RFC 2131 4.3.3). */
    public synchronized void decline(Inet4Address address, Instant until) {
        update("INSERT INTO dhcp_declined (ip, until) VALUES (?, ?) ON CONFLICT(ip) DO UPDATE SET until = excluded.until",
                address.getHostAddress(), until.toEpochMilli());
    }

    public synchronized boolean isDeclined(Inet4Address address, Instant now) {
        try (PreparedStatement p = db.prepareStatement("SELECT 1 FROM dhcp_declined WHERE ip = ? AND until > ?")) {
            p.setString(1, address.getHostAddress());
            p.setLong(2, now.toEpochMilli());
            try (ResultSet r = p.executeQuery()) {
                return r.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("lease store query failed: " + e.getMessage(), e);
        }
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

    private List<Lease> query(String sql, Object... args) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                p.setObject(i + 1, args[i]);
            }
            List<Lease> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new Lease(MacAddress.parse(r.getString(1)), parse(r.getString(2)),
                            Instant.ofEpochMilli(r.getLong(3))));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("lease store query failed: " + e.getMessage(), e);
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
