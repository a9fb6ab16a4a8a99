package org.leo.appliance.cli;

import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.leo.appliance.gateway.Allowance;
import org.leo.appliance.gateway.GatewayConfig;
import org.leo.appliance.service.Enrollment;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options the gateway's ruleset is made from ({@code leo gateway rules|apply}). Those named like an option of
 * {@code leo serve} are that option: the same key in /etc/leo/leo.properties, the same default (LeoConfigFileTest checks
 * both against docs/leo.properties.sample), so the gateway opens exactly the ports the service listens on. The
 * {@code gateway-*} keys are the gateway's own. One of the readers of the configuration file ({@link LeoConfigFile#READERS}).
 */
public class GatewaySettings {
    @Option(names = "--interface", paramLabel = "IF",
            description = "The HPC-facing network interface (as for leo serve): every packet that arrives on it is filtered.")
    String interfaceName;

    @Option(names = "--address", paramLabel = "IPV4",
            description = "The Pi's address on the HPC segment (as for leo serve); with --subnet-mask it gives the segment's subnet, "
                    + "and a packet from the segment with a source outside it is dropped. Default: the first IPv4 address of "
                    + "--interface if this machine has it; else sources are not checked.")
    String address;

    @Option(names = "--subnet-mask", paramLabel = "MASK", defaultValue = "255.255.255.0",
            description = "The HPC segment's subnet mask, with --address (as for leo serve). Default: ${DEFAULT-VALUE}.")
    String subnetMask;

    @Option(names = "--dhcp-port", paramLabel = "PORT", defaultValue = "67", description = "DHCP (udp), open to the segment. Default: ${DEFAULT-VALUE}.")
    int dhcpPort;

    @Option(names = "--proxy-dhcp", defaultValue = "false", description = "proxyDHCP mode (as for leo serve): --proxy-port is open too.")
    boolean proxyDhcp;

    @Option(names = "--proxy-port", paramLabel = "PORT", defaultValue = "4011",
            description = "The PXE boot server port of proxyDHCP (udp). Default: ${DEFAULT-VALUE}.")
    int proxyPort;

    @Option(names = "--tftp-port", paramLabel = "PORT", defaultValue = "69",
            description = "TFTP (udp); its data ports need no rule: the HPC's packets to them are replies. Default: ${DEFAULT-VALUE}.")
    int tftpPort;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "80", description = "HTTP boot (tcp). Default: ${DEFAULT-VALUE}.")
    int httpPort;

    @Option(names = "--no-dhcp", defaultValue = "false", description = "DHCP is not served here (as for leo serve): its port stays closed.")
    boolean noDhcp;

    @Option(names = "--no-tftp", defaultValue = "false", description = "TFTP is not served here: its port stays closed.")
    boolean noTftp;

    @Option(names = "--no-http", defaultValue = "false", description = "HTTP boot is not served here: its port stays closed.")
    boolean noHttp;

    @Option(names = "--attest-enroll-port", paramLabel = "PORT", defaultValue = "7443",
            description = "The attestation enrollment port (tcp). Default: ${DEFAULT-VALUE}.")
    int enrollPort;

    @Option(names = "--attest-port", paramLabel = "PORT", defaultValue = "7444", description = "The attestation port (tcp). Default: ${DEFAULT-VALUE}.")
    int attestPort;

    @Option(names = "--web-port", paramLabel = "PORT", defaultValue = "" + ServeCommand.DEFAULT_WEB_PORT,
            description = "The operator's web port (as for leo serve): the HPC segment never reaches it, on any of the Pi's addresses, "
                    + "and an attempt is counted as its own reason. 0: no port of its own is named (it is closed all the same). "
                    + "Default: ${DEFAULT-VALUE}.")
    int webPort;

    @Option(names = "--gateway-uplink", paramLabel = "IF",
            description = "The interface task allowances leave by. Default: any interface but --interface.")
    String uplink;

    @Option(names = "--gateway-allow", paramLabel = "PROTO:ADDRESS:PORT[,nat][,from=HPC]", split = "\\s+", converter = AllowanceConverter.class,
            description = "What a task explicitly allows beyond the Pi: one protocol (tcp or udp), one address (IPv6 in brackets), one "
                    + "port; 'nat' masquerades the HPC's address on the way out (without it the destination must route the HPC "
                    + "subnet back to the Pi), 'from=HPC' lets only that HPC address use it. Repeat (in the config file: separate "
                    + "them with spaces). Default: none.")
    List<Allowance> allowances = new ArrayList<>();

    @Option(names = "--gateway-log-group", paramLabel = "GROUP",
            description = "Send the drop log lines to NFLOG group GROUP (0..65535: ulogd2, or 'tcpdump -i nflog:GROUP') instead of the "
                    + "kernel log. Default: the kernel log (journalctl -k).")
    Integer logGroup;

    /** {@code --gateway-allow}'s values, parsed as they are read so 'leo config check' names a bad one. */
    static final class AllowanceConverter implements ITypeConverter<Allowance> {
        @Override
        public Allowance convert(String value) {
            try {
                return Allowance.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage()); // picocli prints it as it is, after the option's name
            }
        }
    }

    /** The ruleset's configuration; an invalid combination is an {@link IllegalArgumentException} naming the options. */
    GatewayConfig toConfig() {
        if (interfaceName == null || interfaceName.isBlank()) {
            throw new IllegalArgumentException("say which interface is the HPC segment's: --interface IF");
        }
        List<GatewayConfig.PiPort> ports = new ArrayList<>();
        if (!noDhcp) {
            ports.add(new GatewayConfig.PiPort("udp", dhcpPort, "DHCP"));
            if (proxyDhcp) {
                ports.add(new GatewayConfig.PiPort("udp", proxyPort, "proxyDHCP"));
            }
        }
        if (!noTftp) {
            ports.add(new GatewayConfig.PiPort("udp", tftpPort, "TFTP"));
        }
        if (!noHttp) {
            ports.add(new GatewayConfig.PiPort("tcp", httpPort, "HTTP boot"));
        }
        ports.add(new GatewayConfig.PiPort("tcp", enrollPort, "attestation enrollment"));
        ports.add(new GatewayConfig.PiPort("tcp", attestPort, "attestation"));
        return new GatewayConfig(interfaceName, subnet(), Optional.ofNullable(uplink), ports,
                webPort == 0 ? OptionalInt.empty() : OptionalInt.of(webPort),
                logGroup == null ? OptionalInt.empty() : OptionalInt.of(logGroup), allowances);
    }

    /** --address/--subnet-mask; else the interface's first IPv4 address and prefix, if this machine has it. */
    private Optional<GatewayConfig.Subnet> subnet() {
        if (address != null) {
            Inet4Address a = Enrollment.ipv4(address).orElseThrow(() -> new IllegalArgumentException("--address " + address + ": not an IPv4 address"));
            Inet4Address m = Enrollment.ipv4(subnetMask).orElseThrow(() -> new IllegalArgumentException("--subnet-mask " + subnetMask
                    + ": not an IPv4 address"));
            try {
                return Optional.of(GatewayConfig.Subnet.of(a, m));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--subnet-mask: " + e.getMessage());
            }
        }
        try {
            NetworkInterface nif = NetworkInterface.getByName(interfaceName);
            if (nif != null) {
                for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address v4) {
                        return Optional.of(new GatewayConfig.Subnet(v4, a.getNetworkPrefixLength()));
                    }
                }
            }
        } catch (SocketException e) {
            // no subnet then: the ruleset says sources are not checked
        }
        return Optional.empty();
    }
}
