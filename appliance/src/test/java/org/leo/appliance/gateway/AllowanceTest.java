package org.leo.appliance.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AllowanceTest {
    @Test
    void parsesTheWrittenFormsAndPrintsThemBack() {
        Allowance a = Allowance.parse("tcp:192.0.2.7:443");
        assertThat(a.protocol()).isEqualTo("tcp");
        assertThat(a.destination().getHostAddress()).isEqualTo("192.0.2.7");
        assertThat(a.port()).isEqualTo(443);
        assertThat(a.nat()).isFalse();
        assertThat(a.from()).isEmpty();
        assertThat(a.match()).isEqualTo("ip daddr 192.0.2.7 tcp dport 443");
        assertThat(a).hasToString("tcp:192.0.2.7:443");

        Allowance b = Allowance.parse("UDP:[2001:db8::53]:53,nat,from=2001:db8:77::10");
        assertThat(b.ipv6()).isTrue();
        assertThat(b.nat()).isTrue();
        assertThat(b.match()).isEqualTo("ip6 saddr 2001:db8:77::10 ip6 daddr 2001:db8::53 udp dport 53");
        assertThat(Allowance.parse(b.toString())).isEqualTo(b);

        Allowance c = Allowance.parse("tcp:192.0.2.7:443,from=10.77.0.10,nat");
        assertThat(c).hasToString("tcp:192.0.2.7:443,nat,from=10.77.0.10");
        assertThat(c.match()).isEqualTo("ip saddr 10.77.0.10 ip daddr 192.0.2.7 tcp dport 443");
    }

    /** Each malformed allowance by name, with the exact message an operator reads. */
    @Test
    void malformedAllowancesAreRefusedWithWhatIsWrong() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("192.0.2.7:443", "'192.0.2.7:443': expected PROTO:ADDRESS:PORT, e.g. tcp:192.0.2.7:443"),
                Map.entry("icmp:192.0.2.7:0", "protocol must be tcp or udp, not 'icmp'"),
                Map.entry("tcp:192.0.2.7:http", "'tcp:192.0.2.7:http': port 'http' is not a number"),
                Map.entry("tcp:192.0.2.7:0", "port 0 out of range 1..65535"),
                Map.entry("tcp:192.0.2.7:65536", "port 65536 out of range 1..65535"),
                Map.entry("tcp:example.org:443", "'tcp:example.org:443': 'example.org' is not an IPv4 or IPv6 address"),
                Map.entry("tcp:2001:db8::7:443", "'tcp:2001:db8::7:443': an IPv6 address goes in brackets, e.g. tcp:[2001:db8::7]:443"),
                Map.entry("tcp:192.0.2.300:443", "'tcp:192.0.2.300:443': '192.0.2.300' is not an IPv4 or IPv6 address"),
                Map.entry("tcp:0.0.0.0:443", "0.0.0.0 is not one host beyond the Pi (unspecified, loopback, multicast, link-local or broadcast)"),
                Map.entry("udp:255.255.255.255:53",
                        "255.255.255.255 is not one host beyond the Pi (unspecified, loopback, multicast, link-local or broadcast)"),
                Map.entry("udp:224.0.0.251:5353",
                        "224.0.0.251 is not one host beyond the Pi (unspecified, loopback, multicast, link-local or broadcast)"),
                Map.entry("tcp:192.0.2.7:443,masquerade", "'tcp:192.0.2.7:443,masquerade': unknown or repeated part 'masquerade' (expected nat or from=ADDRESS)"),
                Map.entry("tcp:192.0.2.7:443,nat,nat", "'tcp:192.0.2.7:443,nat,nat': unknown or repeated part 'nat' (expected nat or from=ADDRESS)"),
                Map.entry("tcp:192.0.2.7:443,from=[2001:db8::1]", "'tcp:192.0.2.7:443,from=[2001:db8::1]': '[2001:db8::1]' is not an IPv4 or IPv6 address"),
                Map.entry("tcp:192.0.2.7:443,from=2001:db8::1", "from=2001:db8::1 and 192.0.2.7 are not of the same address family"));
        for (var c : cases.entrySet()) {
            assertThatThrownBy(() -> Allowance.parse(c.getKey())).as(c.getKey()).isInstanceOf(IllegalArgumentException.class).hasMessage(c.getValue());
        }
    }

    /** RFC 5952 text, as nft prints addresses: the longest run of two or more zero groups shortened, the first of equals. */
    @Test
    void ipv6AddressesAreWrittenShort() {
        Map<String, String> cases = Map.of("2001:db8:0:0:0:0:0:53", "2001:db8::53", "0:0:0:0:0:0:0:1", "::1", "fe80:0:0:0:0:0:0:0", "fe80::",
                "2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1", "2001:0:0:1:0:0:1:1", "2001::1:0:0:1:1", "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1",
                "0:0:0:0:0:0:0:0", "::");
        cases.forEach((in, out) -> assertThat(Addresses.text(Addresses.parse(in))).as(in).isEqualTo(out));
        assertThat(Addresses.text(Addresses.parse("10.77.0.10"))).isEqualTo("10.77.0.10");
    }

    /** A name is never looked up: a host name is refused before any resolver is asked. */
    @Test
    void namesAreNeverResolved() {
        for (String name : List.of("localhost", "pi.lan", "1.2.3")) {
            assertThatThrownBy(() -> Allowance.parse("tcp:" + name + ":443")).hasMessageContaining("is not an IPv4 or IPv6 address");
        }
    }
}
