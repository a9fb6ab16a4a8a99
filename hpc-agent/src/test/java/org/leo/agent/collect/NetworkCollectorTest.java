package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.NetInterface;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.Route;
import org.leo.protocol.attest.v1.Socket;

class NetworkCollectorTest {
    @TempDir
    Path dir;

    @Test
    void craftedHostCollectsExactly() {
        NetworkResult r = new NetworkCollector(CraftedHost.copyTo(dir)).collect();
        assertThat(r.getInterfacesList()).containsExactly(
                NetInterface.newBuilder().setName("?").addAddresses("198.51.100.7/32").build(),
                NetInterface.newBuilder().setName("eth0").setMac("52:54:00:12:34:56").setUp(true)
                        .addAddresses("10.0.0.5/24").addAddresses("fe80::5054:ff:fe12:3456/64").build(),
                NetInterface.newBuilder().setName("lo").setMac("00:00:00:00:00:00").setUp(true)
                        .addAddresses("127.0.0.1/8").addAddresses("::1/128").build());
        assertThat(r.getRoutesList()).containsExactly(
                route("0.0.0.0/0", "10.0.0.1", "eth0"),
                route("10.0.0.0/24", "", "eth0"),
                route("::1/128", "", "lo"),
                route("fe80::/64", "", "eth0"));
        assertThat(r.getSocketsList()).containsExactly(
                socket("tcp", "0.0.0.0:22", "0.0.0.0:0", "LISTEN"),
                socket("tcp", "10.0.0.5:22", "10.0.0.1:51234", "ESTABLISHED"),
                socket("tcp6", "[::]:8443", "[::]:0", "LISTEN"),
                socket("tcp6", "[::ffff:10.0.0.5]:8443", "[::ffff:10.0.0.1]:54321", "ESTABLISHED"),
                socket("udp", "0.0.0.0:68", "0.0.0.0:0", "UNCONN"),
                socket("udp6", "[::1]:323", "[::]:0", "UNCONN"));
    }

    @Test
    void anEmptyHostGivesAnEmptyResult() {
        NetworkResult r = new NetworkCollector(HostPaths.under(dir)).collect();
        assertThat(r.getInterfacesList()).isEmpty();
        assertThat(r.getRoutesList()).isEmpty();
        assertThat(r.getSocketsList()).isEmpty();
    }

    @Test
    void ipv6TextFollowsRfc5952() {
        assertThat(InetHex.format(InetHex.networkOrder("20010db8000000000001000000000001"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(InetHex.format(InetHex.networkOrder("20010db8000000010000000000000000"))).isEqualTo("2001:db8:0:1::");
        assertThat(InetHex.format(InetHex.networkOrder("00000000000000000000000000000000"))).isEqualTo("::");
        assertThat(InetHex.format(InetHex.networkOrder("20010db8000100010001000100010001"))).isEqualTo("2001:db8:1:1:1:1:1:1");
        assertThat(InetHex.format(InetHex.networkOrder("20010db8000000010001000100010001"))).isEqualTo("2001:db8:0:1:1:1:1:1");
    }

    @Test
    void addressesAreAttributedToTheLongestLinkRoute() {
        List<Route> routes = List.of(route("10.0.0.0/8", "", "eth1"), route("10.0.0.0/24", "", "eth0"),
                route("0.0.0.0/0", "10.0.0.1", "eth0"));
        assertThat(NetworkCollector.attribute("10.0.0.9", routes)).containsExactly("eth0", "24");
        assertThat(NetworkCollector.attribute("10.9.0.9", routes)).containsExactly("eth1", "8");
        assertThat(NetworkCollector.attribute("192.0.2.1", routes)).containsExactly("?", "32");
        assertThat(NetworkCollector.attribute("127.0.0.1", routes)).containsExactly("lo", "8");
    }

    static Route route(String dest, String gw, String ifname) {
        return Route.newBuilder().setDestination(dest).setGateway(gw).setInterface(ifname).build();
    }

    static Socket socket(String protocol, String local, String remote, String state) {
        return Socket.newBuilder().setProtocol(protocol).setLocal(local).setRemote(remote).setState(state).build();
    }
}
