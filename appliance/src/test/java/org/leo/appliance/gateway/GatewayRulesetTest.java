package org.leo.appliance.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * The ruleset's text, pinned by golden files ({@code -Dleo.golden.update=true} writes them). That nft loads it, and what
 * it then does to real packets, is {@link GatewayNetnsTest}'s.
 */
class GatewayRulesetTest {
    static final List<GatewayConfig.PiPort> PORTS = List.of(new GatewayConfig.PiPort("udp", 67, "DHCP"),
            new GatewayConfig.PiPort("udp", 69, "TFTP"), new GatewayConfig.PiPort("tcp", 80, "HTTP boot"),
            new GatewayConfig.PiPort("tcp", 7443, "attestation enrollment"), new GatewayConfig.PiPort("tcp", 7444, "attestation"));

    static GatewayConfig.Subnet subnet(String address, int prefix) throws Exception {
        return new GatewayConfig.Subnet((Inet4Address) InetAddress.getByName(address), prefix);
    }

    static GatewayConfig full() throws Exception {
        return new GatewayConfig("eth1", Optional.of(subnet("10.77.0.1", 24)), Optional.of("eth0"), PORTS, OptionalInt.of(8080),
                OptionalInt.of(5), List.of(Allowance.parse("tcp:192.0.2.7:443,nat"), Allowance.parse("udp:[2001:db8::53]:53,from=2001:db8:77::10")));
    }

    static GatewayConfig minimal() {
        return new GatewayConfig("eth1", Optional.empty(), Optional.empty(), PORTS, OptionalInt.empty(), OptionalInt.empty(), List.of());
    }

    private static void assertGolden(String name, String text) throws Exception {
        Path golden = Path.of(System.getProperty("basedir", "."), "src/test/resources/gateway", name);
        if (Boolean.getBoolean("leo.golden.update")) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, text);
        }
        assertThat(golden).as("golden file (run with -Dleo.golden.update=true to create)").exists();
        assertThat(text).isEqualTo(Files.readString(golden));
    }

    @Test
    void fullConfigurationMatchesItsGolden() throws Exception {
        assertGolden("full.nft", GatewayRuleset.render(full()));
    }

    @Test
    void minimalConfigurationMatchesItsGolden() throws Exception {
        String text = GatewayRuleset.render(minimal());
        assertGolden("minimal.nft", text);
        assertThat(text).contains("(no subnet given: sources not checked)", "uplink (any other interface)")
                .doesNotContain("goto drop_spoofed", "postrouting", "\" group ", "goto drop_operator_port");
    }

    /** Replaces itself in one transaction, so loading twice gives the same ruleset; the same configuration gives the same text. */
    @Test
    void theTableReplacesItselfAndTheTextIsDeterministic() throws Exception {
        String text = GatewayRuleset.render(full());
        assertThat(text).contains("table inet leo\ndelete table inet leo\ntable inet leo {\n");
        assertThat(GatewayRuleset.render(full())).isEqualTo(text);
    }

    /** Every reason has its counter, its chain that counts, logs and drops, and only the HPC side is recorded per source. */
    @Test
    void everyReasonCountsLogsAndDrops() throws Exception {
        String text = GatewayRuleset.render(full());
        for (DropReason r : DropReason.values()) {
            String chain = "\tchain drop_" + r.counter() + " {\n\t\tcounter name \"" + r.counter() + "\"\n"
                    + (r.fromHpc() ? "\t\tjump record\n" : "")
                    + "\t\t" + GatewayRuleset.LOG_LIMIT + " log prefix \"leo-gw-drop " + r.counter() + ": \" group 5 queue-threshold 1\n\t\tdrop\n\t}\n";
            assertThat(text).as(r.name()).contains(chain).contains("\tcounter " + r.counter() + " {\n\t\tcomment \"" + r.meaning() + "\"\n");
        }
    }

    @Test
    void contradictoryConfigurationsAreRefusedWithBothNamed() throws Exception {
        assertThatThrownBy(() -> new GatewayConfig("eth1", Optional.empty(), Optional.empty(), PORTS, OptionalInt.of(80), OptionalInt.empty(), List.of()))
                .hasMessage("the operator's web port 80 is also the HTTP boot port: the HPC segment would reach the operator's port");
        assertThatThrownBy(() -> new GatewayConfig("eth1", Optional.empty(), Optional.of("eth1"), PORTS, OptionalInt.empty(), OptionalInt.empty(), List.of()))
                .hasMessage("the uplink and the HPC interface are both eth1");
        assertThatThrownBy(() -> new GatewayConfig("eth1\" accept", Optional.empty(), Optional.empty(), PORTS, OptionalInt.empty(), OptionalInt.empty(),
                List.of())).hasMessage("the HPC interface 'eth1\" accept' is not an interface name (1 to 15 of A-Z a-z 0-9 _ . : @ -)");
        assertThatThrownBy(() -> new GatewayConfig("eth1", Optional.empty(), Optional.empty(), PORTS, OptionalInt.empty(), OptionalInt.of(65536), List.of()))
                .hasMessage("log group 65536 out of range 0..65535");
        assertThatThrownBy(() -> new GatewayConfig.PiPort("tcp", 0, "HTTP boot")).hasMessage("HTTP boot port 0 out of range 1..65535");
    }

    @Test
    void subnetsAreMaskedAndMasksMustBeContiguous() throws Exception {
        assertThat(GatewayConfig.Subnet.of((Inet4Address) InetAddress.getByName("10.77.0.1"), (Inet4Address) InetAddress.getByName("255.255.255.0")))
                .hasToString("10.77.0.0/24");
        assertThat(subnet("10.77.3.200", 22)).hasToString("10.77.0.0/22");
        assertThat(subnet("10.77.3.200", 0)).hasToString("0.0.0.0/0");
        assertThatThrownBy(() -> GatewayConfig.Subnet.of((Inet4Address) InetAddress.getByName("10.77.0.1"),
                (Inet4Address) InetAddress.getByName("255.0.255.0"))).hasMessage("subnet mask 255.0.255.0 is not contiguous");
    }
}
