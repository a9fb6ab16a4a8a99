package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code leo gateway rules}: the options and the configuration file make the ruleset, and invalid ones are refused with
 * the options named. What the ruleset does to packets, and {@code apply} and {@code counters} against a real nft, are
 * GatewayNetnsTest's (root).
 */
class GatewayCommandTest {
    @TempDir
    Path dir;

    @AfterEach
    void clear() {
        System.clearProperty(LeoConfigFile.PROPERTY);
    }

    private void noConfig() throws Exception {
        System.setProperty(LeoConfigFile.PROPERTY, Files.writeString(dir.resolve("empty.properties"), "").toString());
    }

    /** With serve's defaults for every shared option, the command prints the golden ruleset of GatewayRulesetTest. */
    @Test
    void rulesPrintsTheRulesetOfItsOptions() throws Exception {
        noConfig();
        AttestCommandTest.Run run = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--address", "10.77.0.1", "--gateway-uplink", "eth0",
                "--gateway-log-group", "5", "--gateway-allow", "tcp:192.0.2.7:443,nat udp:[2001:db8::53]:53,from=2001:db8:77::10");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo(Files.readString(Path.of(System.getProperty("basedir", "."), "src/test/resources/gateway/full.nft")));
    }

    @Test
    void thePortsAreTheServicesPorts() throws Exception {
        noConfig();
        String out = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--no-http", "--proxy-dhcp", "--tftp-port", "6969",
                "--attest-port", "9444", "--web-port", "0").out();
        assertThat(out).contains("udp dport 67 accept comment \"DHCP\"", "udp dport 4011 accept comment \"proxyDHCP\"",
                "udp dport 6969 accept comment \"TFTP\"", "tcp dport 7443 accept", "tcp dport 9444 accept comment \"attestation\"")
                .doesNotContain("tcp dport 80 ", "udp dport 69 ", "goto drop_operator_port");
    }

    @Test
    void invalidOptionsAreRefusedWithTheOptionNamed() throws Exception {
        noConfig();
        AttestCommandTest.Run run = AttestCommandTest.leo("gateway", "rules");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("leo gateway rules: say which interface is the HPC segment's: --interface IF\n");
        run = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--gateway-allow", "tcp:example.org:443");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("leo gateway rules: Invalid value for option '--gateway-allow' (PROTO:ADDRESS:PORT[,nat][,from=HPC]): "
                + "'tcp:example.org:443': 'example.org' is not an IPv4 or IPv6 address");
        run = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--web-port", "80");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).startsWith("leo gateway rules: the operator's web port 80 is also the HTTP boot port: the HPC segment would reach "
                + "the operator's port\n");
        run = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--address", "10.77.0.1", "--subnet-mask", "255.0.255.0");
        assertThat(run.err()).startsWith("leo gateway rules: --subnet-mask: subnet mask 255.0.255.0 is not contiguous\n");
        run = AttestCommandTest.leo("gateway", "rules", "--interface", "eth1", "--gateway-log-group", "70000");
        assertThat(run.err()).startsWith("leo gateway rules: log group 70000 out of range 0..65535\n");
    }

    /** The configuration file's keys are serve's for the shared options, gateway-* for the gateway's own; the command line wins. */
    @Test
    void optionsComeFromTheConfigurationFileAsForServe() throws Exception {
        Path file = Files.writeString(dir.resolve("leo.properties"), String.join("\n", "interface=eth1", "address=10.77.0.1", "tftp-port=6969",
                "enroll=52:54:00:77:00:10=10.77.0.10",
                "gateway-uplink=eth0", "gateway-allow=tcp:192.0.2.7:443,nat tcp:192.0.2.8:22", "gateway-log-group=7", "") );
        System.setProperty(LeoConfigFile.PROPERTY, file.toString());
        String out = AttestCommandTest.leo("gateway", "rules", "--tftp-port", "7069").out();
        assertThat(out).contains("# HPC segment eth1 (10.77.0.0/24), uplink eth0, log NFLOG group 7.", "udp dport 7069 accept",
                "iifname \"eth1\" oifname \"eth0\" ip daddr 192.0.2.7 tcp dport 443 masquerade", "ip daddr 192.0.2.8 tcp dport 22 accept")
                .doesNotContain("dport 6969");
        AttestCommandTest.Run check = AttestCommandTest.leo("config", "check", "--file", file.toString());
        assertThat(check.out()).as(check.err()).startsWith("ok: ");

        Path bad = Files.writeString(dir.resolve("bad.properties"), "interface=eth1\ngateway-allow=tcp:192.0.2.7:443,masquerade\n");
        check = AttestCommandTest.leo("config", "check", "--file", bad.toString());
        assertThat(check.status()).isEqualTo(1);
        assertThat(check.out()).contains(bad + ": gateway-allow=tcp:192.0.2.7:443,masquerade: Invalid value for option '--gateway-allow'");
    }

    /** An option the gateway shares with leo serve is the same option: same name, same default (so the same key, the same port). */
    @Test
    void sharedOptionsHaveServesDefaults() {
        CommandLine.Model.CommandSpec gateway = CommandLine.Model.CommandSpec.forAnnotatedObject(new GatewaySettings());
        CommandLine.Model.CommandSpec serve = CommandLine.Model.CommandSpec.forAnnotatedObject(new ServeCommand());
        Set<String> shared = gateway.options().stream().map(OptionSpec::longestName).filter(n -> serve.findOption(n) != null).collect(Collectors.toSet());
        assertThat(shared).contains("--interface", "--dhcp-port", "--tftp-port", "--http-port", "--attest-enroll-port", "--attest-port", "--web-port")
                .hasSize(gateway.options().size() - 3); // all but gateway-uplink, gateway-allow, gateway-log-group
        for (String name : shared) {
            assertThat(gateway.findOption(name).defaultValue()).as(name).isEqualTo(serve.findOption(name).defaultValue());
            assertThat(gateway.findOption(name).type()).as(name).isEqualTo(serve.findOption(name).type());
        }
    }

    @Test
    void helpReadsLikeAManPage() {
        String help = AttestCommandTest.leo("gateway", "apply", "--help").out();
        assertThat(help).contains("Load the gateway's nftables ruleset into the kernel (as root).", "Description:", "Exit status:",
                "  1   nft refused or failed", "Examples:", "--gateway-allow=PROTO:ADDRESS:PORT[,nat][,from=HPC]")
                .doesNotContain("--netns");
        assertThat(AttestCommandTest.leo("gateway", "--help").out()).contains("rules", "apply", "counters");
    }
}
