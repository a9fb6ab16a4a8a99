package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;

/**
 * A server in its own JVM acks a lease and is killed with SIGKILL; the restarted server (same
 * database) gives the client the same address and refuses it to everyone else. The ACK was sent
 * only after the durable commit, so it cannot be lost.
 */
class DhcpCrashRecoveryTest {
    static final Inet4Address SERVER = Packets.ip("10.0.0.1");
    static final MacAddress A = MacAddress.parse("52:54:00:77:00:11");
    static final MacAddress B = MacAddress.parse("52:54:00:77:00:12");

    @TempDir
    Path dir;

    private ServerProcess start(TestClient client) throws Exception {
        return ServerProcess.start(List.of(), dir.resolve("server.log"), List.of(
                "server=10.0.0.1", "db=" + dir.resolve("leases.db"), "port=0", "clientPort=" + client.port(),
                "broadcast=127.0.0.1", "pool=10.0.0.100-10.0.0.101", "reserve=" + A, "reserve=" + B));
    }

    private static DhcpMessage discover(MacAddress mac, int xid) {
        return Requests.request(mac, xid, Requests.pxe(DhcpMessageType.DISCOVER, 0));
    }

    private static DhcpMessage select(MacAddress mac, int xid, Inet4Address a) {
        return Requests.request(mac, xid, Requests.pxe(DhcpMessageType.REQUEST, 0)
                .ipv4(DhcpOption.SERVER_ID, SERVER).ipv4(DhcpOption.REQUESTED_IP, a));
    }

    @Test
    void leaseSurvivesKill9() throws Exception {
        Inet4Address leased;
        try (TestClient client = new TestClient()) {
            try (ServerProcess first = start(client)) {
                client.target(first.port);
                leased = client.exchange(discover(A, 1)).yiaddr();
                DhcpMessage ack = client.exchange(select(A, 2, leased));
                assertThat(ack.type()).isEqualTo(DhcpMessageType.ACK);
                first.kill9();
                assertThat(first.process.isAlive()).isFalse();
                assertThat(first.process.exitValue()).as("killed by SIGKILL").isEqualTo(137);
            }
            try (LeaseStore store = LeaseStore.open(dir.resolve("leases.db"))) {
                assertThat(store.byMac(A).map(Lease::address)).as("acked lease is on disk").contains(leased);
                assertThat(store.all()).hasSize(1);
            }
            try (ServerProcess second = start(client)) {
                client.target(second.port);
                assertThat(client.exchange(discover(A, 3)).yiaddr()).isEqualTo(leased);
                assertThat(client.exchange(select(A, 4, leased)).type()).isEqualTo(DhcpMessageType.ACK);
                Inet4Address other = client.exchange(discover(B, 5)).yiaddr();
                assertThat(other).isNotEqualTo(leased);
                DhcpMessage nak = client.exchange(select(B, 6, leased));
                assertThat(nak.type()).isEqualTo(DhcpMessageType.NAK);
                assertThat(client.exchange(select(B, 7, other)).type()).isEqualTo(DhcpMessageType.ACK);
            }
            try (LeaseStore store = LeaseStore.open(dir.resolve("leases.db"))) {
                assertThat(store.byMac(A).map(Lease::address)).contains(leased);
                assertThat(store.all()).extracting(Lease::address).doesNotHaveDuplicates().hasSize(2);
            }
        } finally {
            if (Files.exists(dir.resolve("server.log"))) {
                System.out.println(Files.readString(dir.resolve("server.log")));
            }
        }
    }
}
