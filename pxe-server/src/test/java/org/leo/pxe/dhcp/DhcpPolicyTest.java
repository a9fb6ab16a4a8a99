package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;

/** The RFC 2131 state machine over a real SQLite lease store, with a hand-moved clock. */
class DhcpPolicyTest {
    static final Inet4Address SERVER = Packets.ip("10.0.0.1");
    static final MacAddress FIXED = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress POOL_A = MacAddress.parse("52:54:00:77:00:11");
    static final MacAddress POOL_B = MacAddress.parse("52:54:00:77:00:12");
    static final MacAddress POOL_C = MacAddress.parse("52:54:00:77:00:13");
    static final MacAddress STRANGER = MacAddress.parse("02:00:00:00:00:99");

    @TempDir
    Path dir;
    LeaseStore store;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T00:00:00Z"));

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    DhcpPolicy policy(DhcpConfig.Builder b) {
        store = LeaseStore.open(dir.resolve("leases.db"));
        return new DhcpPolicy(b.build(), store, registry, clock);
    }

    static DhcpConfig.Builder config() {
        return DhcpConfig.builder(SERVER).httpPort(8080)
                .reservations(List.of(
                        new Reservation(FIXED, Optional.of(Packets.ip("10.0.0.10")), Optional.of("hpc")),
                        Reservation.poolOnly(POOL_A), Reservation.poolOnly(POOL_B), Reservation.poolOnly(POOL_C)))
                .pool(new AddressPool(Packets.ip("10.0.0.100"), Packets.ip("10.0.0.101")));
    }

    static DhcpMessage discover(MacAddress mac) {
        return Requests.request(mac, 0x1000, Requests.pxe(DhcpMessageType.DISCOVER, 0));
    }

    static DhcpMessage select(MacAddress mac, Inet4Address server, Inet4Address address) {
        return Requests.request(mac, 0x1000, Requests.pxe(DhcpMessageType.REQUEST, 0)
                .ipv4(DhcpOption.SERVER_ID, server).ipv4(DhcpOption.REQUESTED_IP, address));
    }

    static Inet4Address yiaddr(Outcome o) {
        return o.reply().orElseThrow(() -> new AssertionError("no reply: " + o.detail())).yiaddr();
    }

    /** An HPC enrolled while the server runs (the operator's dashboard) is answered from the next request on. */
    @Test
    void anHpcEnrolledWhileRunningIsAnsweredFromTheNextRequestOn() {
        DhcpConfig start = config().build();
        DhcpPolicy p = policy(config());
        assertThat(p.handle(discover(STRANGER), DhcpPolicy.Port.DHCP).reply()).as("not enrolled yet").isEmpty();
        DhcpConfig more = start.withReservation(new Reservation(STRANGER, Optional.of(Packets.ip("10.0.0.20")), Optional.of("late")));
        p.reconfigure(more);
        Outcome offer = p.handle(discover(STRANGER), DhcpPolicy.Port.DHCP);
        assertThat(yiaddr(offer)).isEqualTo(Packets.ip("10.0.0.20"));
        assertThat(yiaddr(p.handle(select(STRANGER, SERVER, Packets.ip("10.0.0.20")), DhcpPolicy.Port.DHCP))).isEqualTo(Packets.ip("10.0.0.20"));
        // the reserved address is now STRANGER's: another client may not take it
        assertThat(p.handle(select(POOL_A, SERVER, Packets.ip("10.0.0.20")), DhcpPolicy.Port.DHCP).reply().orElseThrow().type())
                .isEqualTo(DhcpMessageType.NAK);
    }

    @Test
    void anEnrollmentOffTheSubnetOrOnAnotherMacsAddressIsRefused() {
        DhcpConfig start = config().build();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start.withReservation(
                new Reservation(STRANGER, Optional.of(Packets.ip("10.9.0.20")), Optional.empty()))).hasMessageContaining("is not a client address");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start.withReservation(
                new Reservation(STRANGER, Optional.of(Packets.ip("10.0.0.10")), Optional.empty()))).hasMessageContaining("reserved for both");
    }

    @Test
    void reservationGetsFixedAddressWithBootOptions() {
        DhcpPolicy p = policy(config());
        Outcome offer = p.handle(discover(FIXED), DhcpPolicy.Port.DHCP);
        assertThat(offer.stage()).isEqualTo(BootStage.DHCP_OFFER);
        DhcpMessage m = offer.reply().orElseThrow();
        assertThat(m.type()).isEqualTo(DhcpMessageType.OFFER);
        assertThat(m.yiaddr()).isEqualTo(Packets.ip("10.0.0.10"));
        assertThat(m.siaddr()).isEqualTo(SERVER);
        assertThat(m.xid()).isEqualTo(0x1000);
        assertThat(m.fileName()).isEqualTo("undionly.kpxe");
        assertThat(m.options().string(DhcpOption.BOOTFILE_NAME)).contains("undionly.kpxe");
        assertThat(m.options().ipv4(DhcpOption.SERVER_ID)).contains(SERVER);
        assertThat(m.options().ipv4(DhcpOption.ROUTER)).contains(SERVER);
        assertThat(m.options().ipv4(DhcpOption.SUBNET_MASK)).contains(Packets.ip("255.255.255.0"));
        assertThat(m.options().u32(DhcpOption.LEASE_TIME)).contains(3600L);
        assertThat(m.options().string(DhcpOption.HOST_NAME)).contains("hpc");
        assertThat(m.options().bytes(DhcpOption.VENDOR_SPECIFIC)).hasValueSatisfying(v -> assertThat(v).containsExactly(6, 1, 8, 255));
        assertThat(m.options().string(DhcpOption.VENDOR_CLASS_ID)).contains("PXEClient");
        assertThat(m.options().contains(DhcpOption.IPXE_ENCAPSULATED)).isFalse();
        assertThat(store.byMac(FIXED)).as("offers are not persisted").isEmpty();

        Outcome ack = p.handle(select(FIXED, SERVER, Packets.ip("10.0.0.10")), DhcpPolicy.Port.DHCP);
        assertThat(ack.reply().orElseThrow().type()).isEqualTo(DhcpMessageType.ACK);
        assertThat(store.byMac(FIXED)).hasValueSatisfying(l -> {
            assertThat(l.address()).isEqualTo(Packets.ip("10.0.0.10"));
            assertThat(l.expiresAt()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        });
        assertThat(store.macOf(Packets.ip("10.0.0.10"))).isEmpty(); // wall clock is later than the test clock
    }

    @Test
    void ipxeClientGetsScriptAndNoProxyDhcpOption() {
        DhcpPolicy p = policy(config());
        DhcpMessage m = p.handle(Requests.request(FIXED, 7, Requests.ipxe(DhcpMessageType.DISCOVER, 7)), DhcpPolicy.Port.DHCP)
                .reply().orElseThrow();
        assertThat(m.fileName()).isEqualTo("boot.ipxe");
        assertThat(m.options().bytes(DhcpOption.IPXE_ENCAPSULATED)).hasValueSatisfying(
                v -> assertThat(v).containsExactly(0xb0, 1, 1));
        assertThat(m.options().contains(DhcpOption.VENDOR_SPECIFIC)).isFalse();
    }

    @Test
    void httpClientGetsUrlAndVendorClassEcho() {
        DhcpPolicy p = policy(config());
        DhcpMessage m = p.handle(Requests.request(FIXED, 7, Requests.http(DhcpMessageType.DISCOVER, 16)), DhcpPolicy.Port.DHCP)
                .reply().orElseThrow();
        assertThat(m.fileName()).isEqualTo("http://10.0.0.1:8080/ipxe.efi");
        assertThat(m.options().string(DhcpOption.VENDOR_CLASS_ID)).contains("HTTPClient");
    }

    @Test
    void poolHandsOutDistinctAddressesUntilExhausted() {
        DhcpPolicy p = policy(config());
        Inet4Address a = yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP));
        Inet4Address b = yiaddr(p.handle(discover(POOL_B), DhcpPolicy.Port.DHCP));
        assertThat(a).isNotEqualTo(b);
        assertThat(List.of(a, b)).containsExactlyInAnyOrder(Packets.ip("10.0.0.100"), Packets.ip("10.0.0.101"));
        Outcome c = p.handle(discover(POOL_C), DhcpPolicy.Port.DHCP);
        assertThat(c.reply()).isEmpty();
        assertThat(c.detail()).contains("pool exhausted");
        assertThat(registry.counter("dhcp.pool_exhausted").count()).isEqualTo(1);
        // Offers expire; commit A and B; C still gets nothing, an expired lease is reused later.
        p.handle(select(POOL_A, SERVER, a), DhcpPolicy.Port.DHCP);
        p.handle(select(POOL_B, SERVER, b), DhcpPolicy.Port.DHCP);
        assertThat(p.handle(discover(POOL_C), DhcpPolicy.Port.DHCP).reply()).isEmpty();
        clock.advance(Duration.ofHours(2));
        assertThat(yiaddr(p.handle(discover(POOL_C), DhcpPolicy.Port.DHCP))).isIn(a, b);
    }

    @Test
    void sameClientGetsSameAddressAgain() {
        DhcpPolicy p = policy(config());
        Inet4Address a = yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP));
        p.handle(select(POOL_A, SERVER, a), DhcpPolicy.Port.DHCP);
        clock.advance(Duration.ofHours(3));
        assertThat(yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP))).isEqualTo(a);
    }

    @Test
    void requestForAnotherServerIsIgnoredPerRfc2131() {
        DhcpPolicy p = policy(config());
        Outcome o = p.handle(select(FIXED, Packets.ip("10.0.0.2"), Packets.ip("10.0.0.10")), DhcpPolicy.Port.DHCP);
        assertThat(o.reply()).isEmpty();
        assertThat(o.detail()).isEqualTo("client selected server 10.0.0.2");
        assertThat(store.byMac(FIXED)).isEmpty();
    }

    @Test
    void nakOnWrongAddress() {
        DhcpPolicy p = policy(config());
        Outcome o = p.handle(select(FIXED, SERVER, Packets.ip("10.0.0.11")), DhcpPolicy.Port.DHCP);
        DhcpMessage nak = o.reply().orElseThrow();
        assertThat(nak.type()).isEqualTo(DhcpMessageType.NAK);
        assertThat(nak.yiaddr().isAnyLocalAddress()).isTrue();
        assertThat(nak.options().string(DhcpOption.MESSAGE)).contains("requested 10.0.0.11 is not available to 52:54:00:77:00:10");
        // A pool client asking for the address another client holds.
        Inet4Address a = yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP));
        p.handle(select(POOL_A, SERVER, a), DhcpPolicy.Port.DHCP);
        assertThat(p.handle(select(POOL_B, SERVER, a), DhcpPolicy.Port.DHCP).stage()).isEqualTo(BootStage.DHCP_NAK);
        assertThat(store.byAddress(a).map(Lease::mac)).contains(POOL_A);
    }

    @Test
    void initRebootAndRenewing() {
        DhcpPolicy p = policy(config());
        DhcpMessage initReboot = Requests.request(FIXED, 2, Requests.plain(DhcpMessageType.REQUEST)
                .ipv4(DhcpOption.REQUESTED_IP, Packets.ip("10.0.0.10")));
        assertThat(p.handle(initReboot, DhcpPolicy.Port.DHCP).reply().orElseThrow().type()).isEqualTo(DhcpMessageType.ACK);
        DhcpMessage wrong = Requests.request(FIXED, 3, Requests.plain(DhcpMessageType.REQUEST)
                .ipv4(DhcpOption.REQUESTED_IP, Packets.ip("10.0.0.12")));
        assertThat(p.handle(wrong, DhcpPolicy.Port.DHCP).reply().orElseThrow().type()).isEqualTo(DhcpMessageType.NAK);
        DhcpMessage otherNet = Requests.request(FIXED, 4, Requests.plain(DhcpMessageType.REQUEST)
                .ipv4(DhcpOption.REQUESTED_IP, Packets.ip("192.168.1.5")));
        assertThat(p.handle(otherNet, DhcpPolicy.Port.DHCP).detail()).isEqualTo("INIT-REBOOT 192.168.1.5 is not on our subnet");
        DhcpMessage renew = Requests.request(FIXED, 5, Packets.ip("10.0.0.10"), Requests.plain(DhcpMessageType.REQUEST));
        DhcpMessage ack = p.handle(renew, DhcpPolicy.Port.DHCP).reply().orElseThrow();
        assertThat(ack.type()).isEqualTo(DhcpMessageType.ACK);
        assertThat(ack.ciaddr()).isEqualTo(Packets.ip("10.0.0.10"));
        // A pool client the server has no record of: silence (RFC 2131 4.3.2).
        DhcpMessage unknownBinding = Requests.request(POOL_A, 6, Packets.ip("10.0.0.100"), Requests.plain(DhcpMessageType.REQUEST));
        Outcome o = p.handle(unknownBinding, DhcpPolicy.Port.DHCP);
        assertThat(o.reply()).isEmpty();
        assertThat(o.detail()).contains("no record of");
    }

    @Test
    void declineHoldsAddressAndClientGetsAnother() {
        DhcpPolicy p = policy(config());
        Inet4Address a = yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP));
        p.handle(select(POOL_A, SERVER, a), DhcpPolicy.Port.DHCP);
        Outcome d = p.handle(Requests.request(POOL_A, 9, Requests.plain(DhcpMessageType.DECLINE)
                .ipv4(DhcpOption.SERVER_ID, SERVER).ipv4(DhcpOption.REQUESTED_IP, a)), DhcpPolicy.Port.DHCP);
        assertThat(d.stage()).isEqualTo(BootStage.DHCP_DECLINE);
        assertThat(d.reply()).isEmpty();
        assertThat(store.isDeclined(a, clock.instant())).isTrue();
        Inet4Address next = yiaddr(p.handle(discover(POOL_A), DhcpPolicy.Port.DHCP));
        assertThat(next).isNotEqualTo(a);
        assertThat(p.handle(discover(POOL_B), DhcpPolicy.Port.DHCP).reply()).as("only the declined one left").isEmpty();
        clock.advance(Duration.ofMinutes(11));
        assertThat(yiaddr(p.handle(discover(POOL_B), DhcpPolicy.Port.DHCP))).isEqualTo(a);
    }

    @Test
    void releaseEndsLease() {
        DhcpPolicy p = policy(config());
        p.handle(select(FIXED, SERVER, Packets.ip("10.0.0.10")), DhcpPolicy.Port.DHCP);
        Outcome r = p.handle(Requests.request(FIXED, 9, Packets.ip("10.0.0.10"), Requests.plain(DhcpMessageType.RELEASE)
                .ipv4(DhcpOption.SERVER_ID, SERVER)), DhcpPolicy.Port.DHCP);
        assertThat(r.stage()).isEqualTo(BootStage.DHCP_RELEASE);
        assertThat(store.byMac(FIXED).orElseThrow().isActive(clock.instant())).isFalse();
    }

    @Test
    void informGetsAckWithoutLease() {
        DhcpPolicy p = policy(config());
        DhcpMessage m = p.handle(Requests.request(FIXED, 9, Packets.ip("10.0.0.10"), Requests.pxe(DhcpMessageType.INFORM, 7)),
                DhcpPolicy.Port.DHCP).reply().orElseThrow();
        assertThat(m.type()).isEqualTo(DhcpMessageType.ACK);
        assertThat(m.yiaddr().isAnyLocalAddress()).isTrue();
        assertThat(m.options().contains(DhcpOption.LEASE_TIME)).isFalse();
        assertThat(m.fileName()).isEqualTo("ipxe.efi");
        assertThat(store.all()).isEmpty();
    }

    @Test
    void unknownMacGetsNothingIsCountedAndRecordedOnce() {
        DhcpPolicy p = policy(config());
        Outcome first = p.handle(discover(STRANGER), DhcpPolicy.Port.DHCP);
        Outcome second = p.handle(discover(STRANGER), DhcpPolicy.Port.DHCP);
        assertThat(first.reply()).isEmpty();
        assertThat(second.reply()).isEmpty();
        assertThat(first.record()).isTrue();
        assertThat(second.record()).as("repeats are not recorded").isFalse();
        assertThat(registry.counter("dhcp.unknown_client").count()).isEqualTo(2);
        assertThat(p.handle(select(STRANGER, SERVER, Packets.ip("10.0.0.100")), DhcpPolicy.Port.DHCP).reply()).isEmpty();
        assertThat(store.all()).isEmpty();
    }

    @Test
    void serveUnknownClientsFromPoolWhenConfigured() {
        DhcpPolicy p = policy(config().serveUnknownClients(true));
        assertThat(yiaddr(p.handle(discover(STRANGER), DhcpPolicy.Port.DHCP))).isEqualTo(Packets.ip("10.0.0.100"));
    }

    @Test
    void proxyModeAnswersPxeClientsOnlyWithoutAddresses() {
        DhcpPolicy p = policy(config().proxyMode(true).reservations(Map.of(FIXED, Reservation.poolOnly(FIXED))));
        DhcpMessage offer = p.handle(discover(FIXED), DhcpPolicy.Port.DHCP).reply().orElseThrow();
        assertThat(offer.type()).isEqualTo(DhcpMessageType.OFFER);
        assertThat(offer.yiaddr().isAnyLocalAddress()).isTrue();
        assertThat(offer.siaddr()).isEqualTo(SERVER);
        assertThat(offer.fileName()).isEqualTo("undionly.kpxe");
        assertThat(offer.options().string(DhcpOption.VENDOR_CLASS_ID)).contains("PXEClient");
        assertThat(offer.options().contains(DhcpOption.LEASE_TIME)).isFalse();
        assertThat(offer.options().contains(DhcpOption.SUBNET_MASK)).isFalse();
        assertThat(offer.options().bytes(DhcpOption.CLIENT_UUID)).hasValueSatisfying(u -> assertThat(u).isEqualTo(Requests.UUID));

        Outcome plain = p.handle(Requests.request(FIXED, 1, Requests.plain(DhcpMessageType.DISCOVER)), DhcpPolicy.Port.DHCP);
        assertThat(plain.reply()).isEmpty();
        assertThat(plain.detail()).startsWith("proxyDHCP answers PXE clients only: option 60 (vendor class) not set");

        assertThat(p.handle(select(FIXED, SERVER, Packets.ip("10.0.0.50")), DhcpPolicy.Port.DHCP).reply()).isEmpty();
        DhcpMessage ack = p.handle(Requests.request(FIXED, 2, Packets.ip("10.0.0.50"), Requests.pxe(DhcpMessageType.REQUEST, 7)),
                DhcpPolicy.Port.PROXY).reply().orElseThrow();
        assertThat(ack.type()).isEqualTo(DhcpMessageType.ACK);
        assertThat(ack.fileName()).isEqualTo("ipxe.efi");
        assertThat(ack.yiaddr().isAnyLocalAddress()).isTrue();
        assertThat(store.all()).isEmpty();
    }

    @Test
    void replyDestinationsFollowRfc2131Section41() {
        DhcpConfig cfg = config().clientPort(68).serverPort(67).build();
        java.net.InetSocketAddress sender = new java.net.InetSocketAddress(Packets.ip("10.0.0.50"), 4000);
        DhcpMessage ack = DhcpMessage.builder().options(Requests.plain(DhcpMessageType.ACK).build()).build();
        DhcpMessage nak = DhcpMessage.builder().options(Requests.plain(DhcpMessageType.NAK).build()).build();
        DhcpMessage fresh = discover(FIXED);
        DhcpMessage relayed = fresh.toBuilder().giaddr(Packets.ip("10.9.0.1")).build();
        DhcpMessage renewing = fresh.toBuilder().ciaddr(Packets.ip("10.0.0.10")).build();
        assertThat(DhcpHandler.destination(fresh, ack, DhcpPolicy.Port.DHCP, sender, cfg))
                .isEqualTo(new java.net.InetSocketAddress(Packets.ip("255.255.255.255"), 68));
        assertThat(DhcpHandler.destination(relayed, ack, DhcpPolicy.Port.DHCP, sender, cfg))
                .isEqualTo(new java.net.InetSocketAddress(Packets.ip("10.9.0.1"), 67));
        assertThat(DhcpHandler.destination(renewing, ack, DhcpPolicy.Port.DHCP, sender, cfg))
                .isEqualTo(new java.net.InetSocketAddress(Packets.ip("10.0.0.10"), 68));
        assertThat(DhcpHandler.destination(renewing, nak, DhcpPolicy.Port.DHCP, sender, cfg))
                .isEqualTo(new java.net.InetSocketAddress(Packets.ip("255.255.255.255"), 68));
        assertThat(DhcpHandler.destination(renewing, ack, DhcpPolicy.Port.PROXY, sender, cfg)).isEqualTo(sender);
    }

    @Test
    void configRejectsAddressesOffTheSubnetAndDuplicates() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DhcpConfig.builder(SERVER)
                        .reservations(List.of(Reservation.of(FIXED, Packets.ip("10.0.1.10")))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reservation 10.0.1.10 for 52:54:00:77:00:10 is not a client address on 10.0.0.1/255.255.255.0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DhcpConfig.builder(SERVER)
                        .reservations(List.of(Reservation.of(FIXED, Packets.ip("10.0.0.9")), Reservation.of(POOL_A, Packets.ip("10.0.0.9"))))
                        .build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved for both");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DhcpConfig.builder(SERVER)
                        .pool(new AddressPool(Packets.ip("10.0.0.200"), Packets.ip("10.0.1.5"))).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pool 10.0.0.200..10.0.1.5 is not on 10.0.0.1/255.255.255.0");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0} -> {1}")
    @org.junit.jupiter.params.provider.CsvSource({
            "ipxe-qemu-bios-discover, boot.ipxe, true, PXEClient, false",
            "ipxe-qemu-efi-discover, boot.ipxe, true, PXEClient, false",
            "ovmf-pxe-discover, ipxe.efi, false, PXEClient, true",
            "ovmf-http-discover, http://10.0.0.1:8080/ipxe.efi, false, HTTPClient, false",
            "udhcpc-pxe-discover, undionly.kpxe, false, PXEClient, true",
    })
    void realClientDiscoversGetTheirBootFile(String capture, String file, boolean ipxeOption, String vendorClass,
                                             boolean pxeMenuOption) {
        DhcpPolicy p = policy(config().serveUnknownClients(true));
        DhcpMessage offer = p.handle(DhcpCodecUtil.decode(Packets.capture(capture)), DhcpPolicy.Port.DHCP).reply().orElseThrow();
        assertThat(offer.type()).isEqualTo(DhcpMessageType.OFFER);
        assertThat(offer.fileName()).isEqualTo(file);
        assertThat(offer.options().string(DhcpOption.BOOTFILE_NAME)).contains(file);
        assertThat(offer.options().contains(DhcpOption.IPXE_ENCAPSULATED)).isEqualTo(ipxeOption);
        assertThat(offer.options().string(DhcpOption.VENDOR_CLASS_ID)).contains(vendorClass);
        assertThat(offer.options().contains(DhcpOption.VENDOR_SPECIFIC)).isEqualTo(pxeMenuOption);
        assertThat(offer.siaddr()).isEqualTo(SERVER);
        // and it encodes to a packet our own decoder reads back identically
        assertThat(DhcpCodecUtil.decode(DhcpCodecUtil.encode(offer))).isEqualTo(offer);
    }
}
