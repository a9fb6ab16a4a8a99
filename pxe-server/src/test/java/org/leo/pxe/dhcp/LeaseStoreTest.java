package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;

class LeaseStoreTest {
    static final MacAddress A = MacAddress.parse("52:54:00:77:00:11");
    static final MacAddress B = MacAddress.parse("52:54:00:77:00:12");

    @TempDir
    Path dir;

    @Test
    void survivesCloseAndReopen() {
        Instant now = Instant.now();
        Lease lease = new Lease(A, Packets.ip("10.0.0.100"), now.plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            s.commit(lease, now);
            s.decline(Packets.ip("10.0.0.101"), now.plus(Duration.ofMinutes(5)));
        }
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            assertThat(s.byMac(A)).contains(lease);
            assertThat(s.byAddress(Packets.ip("10.0.0.100"))).contains(lease);
            assertThat(s.macOf(Packets.ip("10.0.0.100"))).contains(A);
            assertThat(s.isDeclined(Packets.ip("10.0.0.101"), now)).isTrue();
            assertThat(s.isDeclined(Packets.ip("10.0.0.101"), now.plus(Duration.ofMinutes(6)))).isFalse();
        }
    }

    @Test
    void anActiveAddressCannotBeTakenByAnotherMac() {
        Instant now = Instant.now();
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            s.commit(new Lease(A, Packets.ip("10.0.0.100"), now.plusSeconds(60)), now);
            assertThatThrownBy(() -> s.commit(new Lease(B, Packets.ip("10.0.0.100"), now.plusSeconds(60)), now))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not stored");
            assertThat(s.macOf(Packets.ip("10.0.0.100"))).contains(A);
            // Expired: B may take it over, A's binding goes.
            Instant later = now.plusSeconds(120);
            s.commit(new Lease(B, Packets.ip("10.0.0.100"), later.plusSeconds(60)), later);
            assertThat(s.byMac(A)).isEmpty();
            assertThat(s.byAddress(Packets.ip("10.0.0.100")).map(Lease::mac)).contains(B);
        }
    }

    @Test
    void aStagedLeaseIsSeenAtOnceButReachesTheDiskOnlyWithTheFlush() {
        Instant now = Instant.now();
        Lease a = new Lease(A, Packets.ip("10.0.0.100"), now.plusSeconds(60));
        Lease b = new Lease(B, Packets.ip("10.0.0.101"), now.plusSeconds(60));
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            s.stage(a, now);
            s.stage(b, now);
            assertThat(s.hasStaged()).isTrue();
            assertThat(s.macOf(Packets.ip("10.0.0.101"))).contains(B);
            assertThatThrownBy(() -> s.stage(new Lease(B, Packets.ip("10.0.0.100"), now.plusSeconds(60)), now))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("not stored");
            assertThat(s.byMac(B).map(Lease::address)).contains(Packets.ip("10.0.0.101")); // the refused stage changed nothing
            try (LeaseStore other = LeaseStore.open(dir.resolve("l.db"))) {
                assertThat(other.all()).isEmpty();
            }
            s.flush();
            assertThat(s.hasStaged()).isFalse();
            try (LeaseStore other = LeaseStore.open(dir.resolve("l.db"))) {
                assertThat(other.all()).extracting(Lease::mac).containsExactly(A, B);
            }
        }
    }

    @Test
    void aFailedFlushForgetsTheStagedLeases() throws Exception {
        Instant now = Instant.now();
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            s.commit(new Lease(A, Packets.ip("10.0.0.100"), now.plusSeconds(60)), now);
            // Another writer takes the address behind our back: the UNIQUE constraint refuses our batch.
            try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("l.db"));
                 java.sql.Statement st = c.createStatement()) {
                st.execute("INSERT INTO dhcp_lease (mac, ip, expires_at) VALUES ('02:00:00:00:00:01', '10.0.0.102', "
                        + now.plusSeconds(600).toEpochMilli() + ")");
            }
            s.stage(new Lease(B, Packets.ip("10.0.0.102"), now.plusSeconds(60)), now);
            assertThatThrownBy(s::flush).isInstanceOf(IllegalStateException.class).hasMessageContaining("not stored");
            assertThat(s.byMac(B)).isEmpty();
            assertThat(s.macOf(Packets.ip("10.0.0.102"))).contains(MacAddress.parse("02:00:00:00:00:01"));
            assertThat(s.byMac(A).map(Lease::address)).contains(Packets.ip("10.0.0.100"));
        }
    }

    @Test
    void walAndFullSync() throws Exception {
        try (LeaseStore s = LeaseStore.open(dir.resolve("l.db"))) {
            assertThat(dir.resolve("l.db-wal")).exists();
        }
    }
}
