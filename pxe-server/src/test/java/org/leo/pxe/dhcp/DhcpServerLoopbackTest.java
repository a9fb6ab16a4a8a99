package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.Transport;

/**
 * The whole server over real UDP on loopback (ephemeral ports, replies "broadcast" to 127.0.0.1):
 * DORA, boot events in order, a bad packet counted and the server still answering, unknown MAC
 * silent, proxy mode on two ports. Also prints a throughput figure for information.
 */
class DhcpServerLoopbackTest {
    static final Inet4Address SERVER = Packets.ip("10.0.0.1");
    static final MacAddress KNOWN = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress STRANGER = MacAddress.parse("02:00:00:00:00:99");

    @TempDir
    Path dir;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<BootEvent> events = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closers = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closers.size() - 1; i >= 0; i--) {
            closers.get(i).close();
        }
    }

    DhcpServer start(TestClient client, DhcpConfig.Builder b) {
        Transport t = Transport.best();
        EventLoopGroup group = t.newGroup(1);
        closers.add(() -> group.shutdownGracefully().syncUninterruptibly());
        LeaseStore store = LeaseStore.open(dir.resolve("leases.db"));
        closers.add(store);
        DhcpServer s = new DhcpServer(b.serverPort(0).proxyPort(0).clientPort(client.port())
                .broadcastAddress(Packets.ip("127.0.0.1")).build(), store, events::add, group, t, registry);
        s.start();
        closers.add(s);
        return s;
    }

    static DhcpConfig.Builder config() {
        return DhcpConfig.builder(SERVER).reservations(List.of(Reservation.of(KNOWN, Packets.ip("10.0.0.10"))));
    }

    @Test
    void discoverOfferRequestAck() throws Exception {
        try (TestClient client = new TestClient()) {
            DhcpServer s = start(client, config());
            client.target(s.port());
            DhcpMessage offer = client.exchange(Requests.request(KNOWN, 0x11, Requests.pxe(DhcpMessageType.DISCOVER, 7)));
            assertThat(offer.type()).isEqualTo(DhcpMessageType.OFFER);
            assertThat(offer.yiaddr()).isEqualTo(Packets.ip("10.0.0.10"));
            assertThat(offer.fileName()).isEqualTo("ipxe.efi");
            DhcpMessage ack = client.exchange(Requests.request(KNOWN, 0x12, Requests.pxe(DhcpMessageType.REQUEST, 7)
                    .ipv4(DhcpOption.SERVER_ID, SERVER).ipv4(DhcpOption.REQUESTED_IP, offer.yiaddr())));
            assertThat(ack.type()).isEqualTo(DhcpMessageType.ACK);
            assertThat(ack.siaddr()).isEqualTo(SERVER);
            assertThat(events).extracting(BootEvent::stage).containsExactly(BootStage.DHCP_DISCOVER, BootStage.DHCP_OFFER,
                    BootStage.DHCP_REQUEST, BootStage.DHCP_ACK);
            assertThat(events.get(0).mac()).contains(KNOWN);
            assertThat(events.get(0).detail()).contains("vendor class 'PXEClient:Arch:00007:UNDI:002001'");
        }
    }

    @Test
    void badPacketsAndUnknownMacsGetNoReplyButTheNextClientDoes() throws Exception {
        try (TestClient client = new TestClient()) {
            DhcpServer s = start(client, config());
            client.target(s.port());
            client.send(new byte[] {1, 2, 3});
            byte[] badCookie = Packets.capture("udhcpc-discover");
            badCookie[236] = 0;
            client.send(badCookie);
            client.send(Requests.request(STRANGER, 0x21, Requests.pxe(DhcpMessageType.DISCOVER, 0)));
            client.send(Requests.request(STRANGER, 0x22, Requests.pxe(DhcpMessageType.DISCOVER, 0)));
            // One worker thread handles packets in order: the first reply must be the known client's.
            client.send(Requests.request(KNOWN, 0x23, Requests.pxe(DhcpMessageType.DISCOVER, 0)));
            DhcpMessage first = client.receive();
            assertThat(first.xid()).isEqualTo(0x23);
            assertThat(registry.counter("dhcp.decode_errors").count()).isEqualTo(2);
            assertThat(registry.counter("dhcp.unknown_client").count()).isEqualTo(2);
            assertThat(events).filteredOn(e -> e.stage() == BootStage.DHCP_IGNORED).hasSize(1);
        }
    }

    @Test
    void proxyModeOfferOn67AckOn4011() throws Exception {
        try (TestClient client = new TestClient()) {
            DhcpServer s = start(client, config().proxyMode(true));
            client.target(s.port());
            DhcpMessage offer = client.exchange(Requests.request(KNOWN, 0x31, Requests.pxe(DhcpMessageType.DISCOVER, 0)));
            assertThat(offer.yiaddr().isAnyLocalAddress()).isTrue();
            assertThat(offer.options().string(DhcpOption.VENDOR_CLASS_ID)).contains("PXEClient");
            client.target(s.proxyPort());
            DhcpMessage ack = client.exchange(Requests.request(KNOWN, 0x32, Packets.ip("127.0.0.1"),
                    Requests.pxe(DhcpMessageType.REQUEST, 0)));
            assertThat(ack.type()).isEqualTo(DhcpMessageType.ACK);
            assertThat(ack.fileName()).isEqualTo("undionly.kpxe");
        }
    }

    @Test
    void throughputForInformation() throws Exception {
        try (TestClient client = new TestClient()) {
            DhcpServer s = start(client, config());
            client.target(s.port());
            int n = 300;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                client.exchange(Requests.request(KNOWN, 0x1000 + i, Requests.pxe(DhcpMessageType.DISCOVER, 0)));
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                client.exchange(Requests.request(KNOWN, 0x2000 + i, Requests.pxe(DhcpMessageType.REQUEST, 0)
                        .ipv4(DhcpOption.SERVER_ID, SERVER).ipv4(DhcpOption.REQUESTED_IP, Packets.ip("10.0.0.10"))));
            }
            long t2 = System.nanoTime();
            System.out.printf("BENCH dhcp loopback %s: %d DISCOVER->OFFER in %.1f ms (%.0f/s), %d REQUEST->ACK (durable commit) in %.1f ms (%.0f/s)%n",
                    Transport.best(), n, (t1 - t0) / 1e6, n / ((t1 - t0) / 1e9), n, (t2 - t1) / 1e6, n / ((t2 - t1) / 1e9));
            assertThat(registry.counter("dhcp.sent", "type", "ACK").count()).isEqualTo(n);
        }
    }

}
