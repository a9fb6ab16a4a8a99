package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.leo.pxe.PxeConfig;
import org.leo.pxe.dhcp.DhcpConfig;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.tftp.TftpConfig;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/** Pins every default of {@code leo pxe serve} and the messages for invalid combinations. */
class PxeServeCommandTest {

    private static PxeServeCommand parse(String... args) {
        PxeServeCommand cmd = new PxeServeCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd;
    }

    @Test
    void defaults() {
        PxeConfig c = parse("--address", "10.77.0.1", "--enroll", "52:54:00:77:00:10=10.77.0.10").toConfig();
        assertThat(c.bootRoot()).isEqualTo(Path.of("/var/lib/leo/boot"));
        assertThat(c.manifest()).isEqualTo(Path.of("/var/lib/leo/boot.manifest"));
        assertThat(c.publicKey()).isEqualTo(Path.of("/etc/leo/boot-manifest.pub"));
        assertThat(c.dataDir()).isEqualTo(Path.of("/var/lib/leo"));
        assertThat(c.raInterface()).as("no --interface: no RA responder").isEmpty();
        assertThat(c.busyPoll()).as("adaptive polling window").isEqualTo(Duration.ofNanos(50_000));
        assertThat(c.warmup()).isTrue();

        DhcpConfig d = c.dhcp().orElseThrow();
        assertThat(d.serverAddress().getHostAddress()).isEqualTo("10.77.0.1");
        assertThat(d.router().getHostAddress()).as("the Pi is the gateway").isEqualTo("10.77.0.1");
        assertThat(d.subnetMask().getHostAddress()).isEqualTo("255.255.255.0");
        assertThat(d.dns()).isEmpty();
        assertThat(d.leaseTime()).isEqualTo(Duration.ofHours(1));
        assertThat(d.reservations()).containsKey(MacAddress.parse("52:54:00:77:00:10"));
        assertThat(d.reservations().get(MacAddress.parse("52:54:00:77:00:10")).address().orElseThrow().getHostAddress())
                .isEqualTo("10.77.0.10");
        assertThat(d.pool()).isEmpty();
        assertThat(d.serveUnknownClients()).isFalse();
        assertThat(d.proxyMode()).isFalse();
        assertThat(d.httpMode()).isFalse();
        assertThat(d.serverPort()).isEqualTo(67);
        assertThat(d.proxyPort()).isEqualTo(4011);
        assertThat(d.clientPort()).isEqualTo(68);
        assertThat(d.httpPort()).isEqualTo(80);
        assertThat(d.bootFiles().ipxeScript()).isEqualTo("boot.ipxe");
        assertThat(d.bootFiles().bios()).isEqualTo("undionly.kpxe");
        assertThat(d.bootFiles().efiX86_64()).isEqualTo("ipxe.efi");
        assertThat(d.bootFiles().efiArm64()).isEqualTo("ipxe-arm64.efi");

        TftpConfig t = c.tftp().orElseThrow();
        assertThat(t.port()).isEqualTo(69);
        assertThat(t.maxBlksize()).isEqualTo(65464);
        assertThat(t.maxWindowsize()).isEqualTo(64);
        assertThat(t.bindAddress().getHostAddress()).isEqualTo("10.77.0.1");

        assertThat(c.http().orElseThrow().bind().getPort()).isEqualTo(80);
        assertThat(c.script().scriptName()).isEqualTo("boot.ipxe");
        assertThat(c.script().kernel()).isEqualTo("vmlinuz");
        assertThat(c.script().initrd()).isEqualTo("initrd.img");
        assertThat(c.script().extraArgs()).isEqualTo("console=ttyS0");
    }

    @Test
    void invalidCombinationsNameBothOptions() {
        assertRejected("--proxy-dhcp and --no-dhcp", "--address", "10.0.0.1", "--proxy-dhcp", "--no-dhcp");
        assertRejected("--boot-mode http needs HTTP boot, but --no-http is set",
                "--address", "10.0.0.1", "--no-dhcp", "--boot-mode", "http", "--no-http");
        assertRejected("--boot-mode tftp needs TFTP, but --no-tftp is set",
                "--address", "10.0.0.1", "--no-dhcp", "--no-tftp");
        assertRejected("--serve-unknown needs --pool", "--address", "10.0.0.1", "--serve-unknown");
        assertRejected("DHCP would answer nobody", "--address", "10.0.0.1");
        assertRejected("say where to serve: --interface IF, or --address IPV4", "--no-dhcp");
        assertRejected("--boot-mode must be tftp or http", "--address", "10.0.0.1", "--no-dhcp", "--boot-mode", "nfs");
        assertRejected("--address 10.0.0.256: not an IPv4 address", "--address", "10.0.0.256", "--no-dhcp");
        assertRejected("--address example.org: not an IPv4 address", "--address", "example.org", "--no-dhcp");
        assertRejected("--enroll 52:54:00:77:00=10.0.0.5: not a MAC address",
                "--address", "10.0.0.1", "--enroll", "52:54:00:77:00=10.0.0.5");
        assertRejected("--pool 10.0.0.9: expected FIRST-LAST", "--address", "10.0.0.1", "--serve-unknown", "--pool", "10.0.0.9");
        assertRejected("--interface leo-no-such-if0: no such interface", "--interface", "leo-no-such-if0");
        assertRejected("the attestation policy's tpm.required=true needs --attest-ek-roots DIR",
                "--address", "10.0.0.1", "--no-dhcp", "--attest");
    }

    @Test
    void enrollWithoutAddressUsesThePool() {
        PxeConfig c = parse("--address", "10.77.0.1", "--enroll", "52:54:00:77:00:11", "--pool", "10.77.0.100-10.77.0.110")
                .toConfig();
        DhcpConfig d = c.dhcp().orElseThrow();
        assertThat(d.reservations().get(MacAddress.parse("52:54:00:77:00:11")).address()).isEmpty();
        assertThat(d.pool().orElseThrow().size()).isEqualTo(11);
    }

    private static void assertRejected(String message, String... args) {
        assertThatThrownBy(() -> parse(args).toConfig()).isInstanceOf(ParameterException.class).hasMessageContaining(message);
    }
}
