package org.leo.appliance.gateway;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What the gateway's ruleset is made from ({@link GatewayRuleset}): the appliance's interfaces and the ports its own
 * services use, as {@code leo serve} is configured.
 *
 * @param hpcInterface the Pi's interface on the HPC segment; every rule keys on it
 * @param subnet       the HPC segment's IPv4 subnet: a packet from the segment with another source (but 0.0.0.0, a DHCP
 *                     client without an address) is {@link DropReason#SPOOFED}; empty: no source check
 * @param uplink       the interface task allowances leave by; empty: any interface but the HPC segment's
 * @param piPorts      the Pi's own ports the HPC segment may reach (boot and attestation)
 * @param operatorPort the operator's web port, refused as its own reason ({@link DropReason#OPERATOR_PORT}); empty when
 *                     it has none or a random one
 * @param logGroup     NFLOG group of the log lines (ulogd2, {@code tcpdump -i nflog:N}); empty: the kernel log
 * @param allowances   what tasks explicitly allow beyond the Pi
 */
public record GatewayConfig(String hpcInterface, Optional<Subnet> subnet, Optional<String> uplink, List<PiPort> piPorts,
                            OptionalInt operatorPort, OptionalInt logGroup, List<Allowance> allowances) {
    /** A Linux interface name as nft takes it quoted: at most 15 characters, no quotes or spaces. */
    private static final String INTERFACE = "[A-Za-z0-9_.:@-]{1,15}";

    /** One of the Pi's own ports open to the HPC segment, and the service behind it (a comment in the ruleset). */
    public record PiPort(String protocol, int port, String service) {
        public PiPort {
            if (!protocol.equals("tcp") && !protocol.equals("udp")) {
                throw new IllegalArgumentException("protocol must be tcp or udp, not '" + protocol + "'");
            }
            checkPort(port, service);
        }
    }

    /** An IPv4 subnet: {@code 10.77.0.0/24}. */
    public record Subnet(Inet4Address network, int prefix) {
        public Subnet {
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("prefix /" + prefix + " out of range 0..32");
            }
            network = mask(network, prefix);
        }

        /** The subnet of {@code address} under {@code mask} (dotted, contiguous: 255.255.255.0). */
        public static Subnet of(Inet4Address address, Inet4Address mask) {
            int m = toInt(mask);
            int prefix = Integer.bitCount(m);
            if (m != (prefix == 0 ? 0 : -1 << (32 - prefix))) {
                throw new IllegalArgumentException("subnet mask " + mask.getHostAddress() + " is not contiguous");
            }
            return new Subnet(address, prefix);
        }

        private static Inet4Address mask(Inet4Address a, int prefix) {
            int bits = prefix == 0 ? 0 : toInt(a) & (-1 << (32 - prefix));
            byte[] b = {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
            try {
                return (Inet4Address) InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // four bytes are always an address
            }
        }

        private static int toInt(Inet4Address a) {
            byte[] b = a.getAddress();
            return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
        }

        @Override
        public String toString() {
            return network.getHostAddress() + "/" + prefix;
        }
    }

    public GatewayConfig {
        piPorts = List.copyOf(piPorts);
        allowances = List.copyOf(allowances);
        checkInterface(hpcInterface, "the HPC interface");
        uplink.ifPresent(u -> checkInterface(u, "the uplink"));
        if (uplink.isPresent() && uplink.get().equals(hpcInterface)) {
            throw new IllegalArgumentException("the uplink and the HPC interface are both " + hpcInterface);
        }
        operatorPort.ifPresent(p -> checkPort(p, "the operator's web"));
        for (PiPort p : piPorts) {
            if (p.protocol().equals("tcp") && operatorPort.isPresent() && p.port() == operatorPort.getAsInt()) {
                throw new IllegalArgumentException("the operator's web port " + p.port() + " is also the " + p.service()
                        + " port: the HPC segment would reach the operator's port");
            }
        }
        if (logGroup.isPresent() && (logGroup.getAsInt() < 0 || logGroup.getAsInt() > 65535)) {
            throw new IllegalArgumentException("log group " + logGroup.getAsInt() + " out of range 0..65535");
        }
    }

    private static void checkInterface(String name, String what) {
        if (name == null || !name.matches(INTERFACE)) {
            throw new IllegalArgumentException(what + " '" + name + "' is not an interface name (1 to 15 of A-Z a-z 0-9 _ . : @ -)");
        }
    }

    private static void checkPort(int port, String what) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " port " + port + " out of range 1..65535");
        }
    }
}
