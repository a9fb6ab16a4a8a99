package org.leo.appliance.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@link GatewayState} over nft's own output: {@code list-table.json} is {@code nft -j list table inet leo} (nftables
 * 1.0.6) after an HPC in a network namespace pinged and connected out over IPv4 and IPv6, and knocked on two of the Pi's
 * ports (the ruleset of {@code full.nft} on the test's interfaces).
 */
class GatewayStateTest {
    static String captured() throws IOException {
        return Files.readString(Path.of(System.getProperty("basedir", "."), "src/test/resources/gateway/list-table.json"));
    }

    @Test
    void readsTheNamedCountersAndBothAttemptSets() throws IOException {
        GatewayState s = GatewayState.parse(captured());
        assertThat(s.counters().keySet()).containsExactly("spoofed", "pi_port", "operator_port", "egress", "forward");
        assertThat(s.counters().get("egress")).isEqualTo(new GatewayState.Count(4, 298));
        assertThat(s.counters().get("operator_port").packets()).isEqualTo(1);
        assertThat(s.attempts()).extracting(a -> a.mac() + " " + Addresses.text(a.source()) + " " + a.target() + " " + a.packets())
                .containsExactly(
                        "8e:93:e4:e4:a9:9b 10.77.0.10 icmp 192.0.2.7 1",
                        "8e:93:e4:e4:a9:9b 10.77.0.10 tcp 10.77.0.1:22 1",
                        "8e:93:e4:e4:a9:9b 10.77.0.10 tcp 192.0.2.7:22 1",
                        "8e:93:e4:e4:a9:9b 10.77.0.10 tcp 192.0.2.1:8080 1",
                        "8e:93:e4:e4:a9:9b 2001:db8:77::10 ipv6-icmp 2001:db8:2::7 1",
                        "8e:93:e4:e4:a9:9b 2001:db8:77::10 udp [2001:db8:2::7]:53 1");
        // every packet the HPC-side counters counted is attributed
        long counted = s.counters().entrySet().stream().filter(e -> DropReason.ofCounter(e.getKey()).orElseThrow().fromHpc())
                .mapToLong(e -> e.getValue().packets()).sum();
        assertThat(s.attempts().stream().mapToLong(GatewayState.Attempt::packets).sum()).isEqualTo(counted);
    }

    @Test
    void anEmptyTableHasNoAttempts() throws IOException {
        GatewayState s = GatewayState.parse("{\"nftables\": [{\"metainfo\": {\"version\": \"1.0.6\"}}, {\"table\": {\"family\": \"inet\", "
                + "\"name\": \"leo\"}}, {\"set\": {\"name\": \"attempts4\", \"stmt\": [{\"counter\": null}]}}]}");
        assertThat(s.counters()).isEmpty();
        assertThat(s.attempts()).isEmpty();
    }

    /** Malformed documents by name, with the message. */
    @Test
    void malformedDocumentsAreRefusedWithWhatIsWrong() {
        assertThatThrownBy(() -> GatewayState.parse("{\"tables\": []}")).isInstanceOf(IOException.class).hasMessage("not nft's JSON: no 'nftables' array");
        assertThatThrownBy(() -> GatewayState.parse(attempt("\"8e:93:e4:e4:a9:9b\", \"10.77.0.10\", \"192.0.2.7\", \"tcp\", 70000")))
                .hasMessage("attempt set: port '70000' is not a port");
        assertThatThrownBy(() -> GatewayState.parse(attempt("\"8e:93:e4:e4:a9:9b\", \"10.77.0.10\", \"192.0.2.7\", \"t c p\", 1")))
                .hasMessage("attempt set: protocol 't c p' is not a protocol name or number");
        assertThatThrownBy(() -> GatewayState.parse(attempt("\"8e:93:e4:e4:a9:9b\", \"example.org\", \"192.0.2.7\", \"tcp\", 1")))
                .hasMessage("attempt set: 'example.org' is not an IPv4 or IPv6 address");
        assertThatThrownBy(() -> GatewayState.parse(attempt("\"8e:93:e4\", \"10.77.0.10\", \"192.0.2.7\", \"tcp\", 1")))
                .hasMessageStartingWith("attempt set: ");
    }

    private static String attempt(String concat) {
        return "{\"nftables\": [{\"set\": {\"name\": \"attempts4\", \"elem\": [{\"elem\": {\"val\": {\"concat\": [" + concat
                + "]}, \"counter\": {\"packets\": 1, \"bytes\": 60}}}]}}]}";
    }
}
