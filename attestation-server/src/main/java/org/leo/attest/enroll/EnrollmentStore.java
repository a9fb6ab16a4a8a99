package org.leo.attest.enroll;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import org.leo.attest.appraise.Golden;
import org.leo.protocol.attest.v1.Evidence;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * What the server must remember across restarts about enrolled HPCs (SQLite, WAL,
 * {@code synchronous=FULL}; every write is durable before it returns): which boot nonces have
 * enrolled (a boot enrolls once), the certificate each enrollment got, and each HPC's golden
 * baseline with the agent's signature over it.
 */
public final class EnrollmentStore implements AutoCloseable {
    /** One enrollment: the boot it proved and the certificate it got. */
    public record Enrollment(String hpc, String bootNonce, String serialHex, Instant at, Instant notAfter) { }

    private final Connection db;

    private EnrollmentStore(Connection db) {
        this.db = db;
    }

    public static EnrollmentStore open(Path file) throws SQLException {
        Connection c = org.leo.boot.events.Sqlite.openDurable(file);
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS enrollment (boot_nonce TEXT PRIMARY KEY, hpc TEXT NOT NULL,"
                    + " serial TEXT NOT NULL, at_millis INTEGER NOT NULL, not_after_millis INTEGER NOT NULL)");
            st.execute("CREATE INDEX IF NOT EXISTS enrollment_hpc ON enrollment(hpc, at_millis)");
            st.execute("CREATE TABLE IF NOT EXISTS certificate (serial TEXT PRIMARY KEY, hpc TEXT NOT NULL,"
                    + " boot_nonce TEXT NOT NULL, not_after_millis INTEGER NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS golden (hpc TEXT PRIMARY KEY, boot_nonce TEXT NOT NULL,"
                    + " body BLOB NOT NULL, at_millis INTEGER NOT NULL, signature BLOB)");
            addSignatureColumn(c);
            // The HPC's TPM as the operator pinned it, and the last TPM an HPC showed (for the operator to pin).
            st.execute("CREATE TABLE IF NOT EXISTS hpc_tpm (hpc TEXT PRIMARY KEY, ek_sha256 TEXT NOT NULL, ak_name TEXT NOT NULL,"
                    + " pinned_millis INTEGER NOT NULL, pinned_by TEXT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS tpm_seen (hpc TEXT PRIMARY KEY, ek_sha256 TEXT NOT NULL, ak_name TEXT NOT NULL,"
                    + " ek_issuer TEXT NOT NULL, seen_millis INTEGER NOT NULL)");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        return new EnrollmentStore(c);
    }

    /** A store made before the agent's signature over the golden was kept gets the column (empty for its goldens). */
    private static void addSignatureColumn(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA table_info(golden)")) {
            while (rs.next()) {
                if (rs.getString("name").equals("signature")) {
                    return;
                }
            }
        }
        try (Statement st = c.createStatement()) {
            st.execute("ALTER TABLE golden ADD COLUMN signature BLOB");
        }
    }

    /** Records an enrollment; false if that boot nonce has enrolled before (nothing is written then). */
    public synchronized boolean recordEnrollment(Enrollment e) throws SQLException {
        db.setAutoCommit(false);
        try (PreparedStatement ps = db.prepareStatement("INSERT OR IGNORE INTO enrollment VALUES (?, ?, ?, ?, ?)");
             PreparedStatement cert = db.prepareStatement("INSERT INTO certificate VALUES (?, ?, ?, ?)");
             PreparedStatement drop = db.prepareStatement("DELETE FROM golden WHERE hpc = ?")) {
            ps.setString(1, e.bootNonce());
            ps.setString(2, e.hpc());
            ps.setString(3, e.serialHex());
            ps.setLong(4, e.at().toEpochMilli());
            ps.setLong(5, e.notAfter().toEpochMilli());
            if (ps.executeUpdate() == 0) {
                db.rollback();
                return false;
            }
            bindCert(cert, e.serialHex(), e.hpc(), e.bootNonce(), e.notAfter());
            cert.executeUpdate();
            // A new boot means a new baseline: the old golden belongs to the previous boot.
            drop.setString(1, e.hpc());
            drop.executeUpdate();
            db.commit();
            return true;
        } catch (SQLException ex) {
            db.rollback();
            throw ex;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** Records a renewed certificate for the boot {@code bootNonce} of {@code hpc}. */
    public synchronized void recordRenewal(String hpc, String bootNonce, String serialHex, Instant notAfter) throws SQLException {
        try (PreparedStatement cert = db.prepareStatement("INSERT INTO certificate VALUES (?, ?, ?, ?)")) {
            bindCert(cert, serialHex, hpc, bootNonce, notAfter);
            cert.executeUpdate();
        }
    }

    private static void bindCert(PreparedStatement cert, String serial, String hpc, String nonce, Instant notAfter) throws SQLException {
        cert.setString(1, serial);
        cert.setString(2, hpc);
        cert.setString(3, nonce);
        cert.setLong(4, notAfter.toEpochMilli());
    }

    /** The boot nonce a certificate was issued for (directly or by renewal). */
    public synchronized Optional<String> bootOfCertificate(String serialHex) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT boot_nonce FROM certificate WHERE serial = ?")) {
            ps.setString(1, serialHex);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        }
    }

    /** A certificate issued to an HPC: for which boot, until when. */
    public record IssuedCertificate(String serialHex, String bootNonce, Instant notAfter) { }

    /** Every certificate issued to {@code hpc} for a boot other than {@code bootNonce} that is still unexpired at {@code now}. */
    public synchronized java.util.List<IssuedCertificate> otherBootsCertificates(String hpc, String bootNonce, Instant now) throws SQLException {
        return certificates(hpc, bootNonce, now);
    }

    /** Every certificate issued to {@code hpc}, of any boot, that is still unexpired at {@code now}. */
    public synchronized java.util.List<IssuedCertificate> unexpiredCertificates(String hpc, Instant now) throws SQLException {
        return certificates(hpc, null, now);
    }

    /** {@code hpc}'s certificates unexpired at {@code now}, of boots other than {@code exceptBoot} (null: of every boot), by serial. */
    private java.util.List<IssuedCertificate> certificates(String hpc, String exceptBoot, Instant now) throws SQLException {
        java.util.List<IssuedCertificate> out = new java.util.ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement("SELECT serial, boot_nonce, not_after_millis FROM certificate"
                + " WHERE hpc = ? AND (? IS NULL OR boot_nonce <> ?) AND not_after_millis > ? ORDER BY serial")) {
            ps.setString(1, hpc);
            ps.setString(2, exceptBoot);
            ps.setString(3, exceptBoot);
            ps.setLong(4, now.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new IssuedCertificate(rs.getString(1), rs.getString(2), Instant.ofEpochMilli(rs.getLong(3))));
                }
            }
        }
        return out;
    }

    /** The latest enrollment of {@code hpc}. */
    public synchronized Optional<Enrollment> latest(String hpc) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT * FROM enrollment WHERE hpc = ? ORDER BY at_millis DESC LIMIT 1")) {
            ps.setString(1, hpc);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Enrollment(rs.getString("hpc"), rs.getString("boot_nonce"), rs.getString("serial"),
                        Instant.ofEpochMilli(rs.getLong("at_millis")), Instant.ofEpochMilli(rs.getLong("not_after_millis"))));
            }
        }
    }

    /** An HPC's TPM: the SHA-256 of its EK's SubjectPublicKeyInfo and its attestation key's TPM name, hex. */
    public record TpmPin(String hpc, String ekSha256, String akName, Instant at, String by) { }

    /** The TPM pinned for {@code hpc}, if the operator pinned one. */
    public synchronized Optional<TpmPin> pinnedTpm(String hpc) throws SQLException {
        return tpmRow("SELECT hpc, ek_sha256, ak_name, pinned_millis, pinned_by FROM hpc_tpm WHERE hpc = ?", hpc);
    }

    /** The TPM {@code hpc} last showed when enrolling (pinned or not); {@code by} is the EK certificate's issuer. */
    public synchronized Optional<TpmPin> seenTpm(String hpc) throws SQLException {
        return tpmRow("SELECT hpc, ek_sha256, ak_name, seen_millis, ek_issuer FROM tpm_seen WHERE hpc = ?", hpc);
    }

    /** Every pinned and every seen TPM, by HPC: pinned first. */
    public synchronized java.util.List<TpmPin> tpms(boolean pinned) throws SQLException {
        String q = pinned ? "SELECT hpc, ek_sha256, ak_name, pinned_millis, pinned_by FROM hpc_tpm ORDER BY hpc"
                : "SELECT hpc, ek_sha256, ak_name, seen_millis, ek_issuer FROM tpm_seen ORDER BY hpc";
        java.util.List<TpmPin> out = new java.util.ArrayList<>();
        try (PreparedStatement ps = db.prepareStatement(q); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new TpmPin(rs.getString(1), rs.getString(2), rs.getString(3), Instant.ofEpochMilli(rs.getLong(4)), rs.getString(5)));
            }
        }
        return out;
    }

    private Optional<TpmPin> tpmRow(String query, String hpc) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement(query)) {
            ps.setString(1, hpc);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new TpmPin(rs.getString(1), rs.getString(2), rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4)), rs.getString(5))) : Optional.empty();
            }
        }
    }

    /** Records the TPM an HPC showed (replacing the last one it showed). */
    public synchronized void recordSeenTpm(TpmPin seen) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO tpm_seen VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, seen.hpc());
            ps.setString(2, seen.ekSha256());
            ps.setString(3, seen.akName());
            ps.setString(4, seen.by());
            ps.setLong(5, seen.at().toEpochMilli());
            ps.executeUpdate();
        }
    }

    /** Pins {@code pin} as the TPM of its HPC (replacing any earlier pin). */
    public synchronized void pinTpm(TpmPin pin) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO hpc_tpm VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, pin.hpc());
            ps.setString(2, pin.ekSha256());
            ps.setString(3, pin.akName());
            ps.setLong(4, pin.at().toEpochMilli());
            ps.setString(5, pin.by());
            ps.executeUpdate();
        }
    }

    /** Saves {@code g}, the golden parsed from {@code signed}: its body bytes and signature as the agent sent them. */
    public synchronized void saveGolden(Golden g, Evidence signed) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("INSERT OR REPLACE INTO golden (hpc, boot_nonce, body, at_millis, signature)"
                + " VALUES (?, ?, ?, ?, ?)")) {
            ps.setString(1, g.hpc());
            ps.setString(2, g.bootNonce());
            ps.setBytes(3, signed.getBody().toByteArray());
            ps.setLong(4, System.currentTimeMillis());
            ps.setBytes(5, signed.getSignature().toByteArray());
            ps.executeUpdate();
        }
    }

    /** The golden of boot {@code bootNonce} of {@code hpc} as the agent signed it; empty if none, or saved without its signature. */
    public synchronized Optional<Evidence> signedGolden(String hpc, String bootNonce) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT body, signature FROM golden WHERE hpc = ? AND boot_nonce = ?"
                + " AND signature IS NOT NULL")) {
            ps.setString(1, hpc);
            ps.setString(2, bootNonce);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Evidence.newBuilder().setBody(ByteString.copyFrom(rs.getBytes(1)))
                        .setSignature(ByteString.copyFrom(rs.getBytes(2))).build()) : Optional.empty();
            }
        }
    }

    public synchronized Optional<Golden> golden(String hpc) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT boot_nonce, body FROM golden WHERE hpc = ?")) {
            ps.setString(1, hpc);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(new Golden(hpc, rs.getString(1), EvidenceBody.parseFrom(rs.getBytes(2))));
                } catch (InvalidProtocolBufferException e) {
                    throw new SQLException("golden baseline of " + hpc + " is unreadable: " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public synchronized void close() throws SQLException {
        db.close();
    }
}
