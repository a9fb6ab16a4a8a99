package org.leo.appliance.gateway;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * What a task explicitly allows the HPC segment to reach beyond the Pi: exactly one destination, one protocol, one port,
 * optionally from one HPC address only, optionally with the Pi masquerading the HPC's address (without {@code nat} the
 * destination sees the HPC's own address, so replies come back only if its network routes the HPC subnet to the Pi).
 *
 * <p>Written {@code PROTO:ADDRESS:PORT[,nat][,from=HPC-ADDRESS]}: {@code tcp:192.0.2.7:443},
 * {@code udp:[2001:db8::53]:53,nat}, {@code tcp:192.0.2.7:443,nat,from=10.77.0.10}. Addresses are literals, never names
 * (the Pi resolves nothing on the HPC's behalf).
 *
 * @param protocol    "tcp" or "udp"
 * @param destination the one address it opens
 * @param port        1..65535
 * @param nat         masquerade the HPC's source address on the way out
 * @param from        only this HPC address may use it; empty: every address of the segment
 */
public record Allowance(String protocol, InetAddress destination, int port, boolean nat, Optional<InetAddress> from) {
    public Allowance {
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new IllegalArgumentException("protocol must be tcp or udp, not '" + protocol + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " out of range 1..65535");
        }
        if (destination.isAnyLocalAddress() || destination.isLoopbackAddress() || destination.isMulticastAddress()
                || destination.isLinkLocalAddress() || isBroadcast(destination)) {
            throw new IllegalArgumentException(Addresses.text(destination) + " is not one host beyond the Pi (unspecified, loopback, "
                    + "multicast, link-local or broadcast)");
        }
        if (from.isPresent() && from.get().getClass() != destination.getClass()) {
            throw new IllegalArgumentException("from=" + Addresses.text(from.get()) + " and " + Addresses.text(destination)
                    + " are not of the same address family");
        }
    }

    /** Parses {@code PROTO:ADDRESS:PORT[,nat][,from=HPC-ADDRESS]}; the message says what is wrong. */
    public static Allowance parse(String text) {
        String[] parts = text.trim().split(",");
        String target = parts[0];
        int colon = target.indexOf(':');
        int lastColon = target.lastIndexOf(':');
        if (colon < 0 || lastColon == colon) {
            throw new IllegalArgumentException("'" + text + "': expected PROTO:ADDRESS:PORT, e.g. tcp:192.0.2.7:443");
        }
        String protocol = target.substring(0, colon).toLowerCase(Locale.ROOT);
        String address = target.substring(colon + 1, lastColon);
        if (address.startsWith("[") && address.endsWith("]")) {
            address = address.substring(1, address.length() - 1);
        } else if (address.contains(":")) {
            throw new IllegalArgumentException("'" + text + "': an IPv6 address goes in brackets, e.g. tcp:[2001:db8::7]:443");
        }
        String portText = target.substring(lastColon + 1);
        if (!portText.matches("\\d{1,5}")) {
            throw new IllegalArgumentException("'" + text + "': port '" + portText + "' is not a number");
        }
        boolean nat = false;
        Optional<InetAddress> from = Optional.empty();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.equals("nat") && !nat) {
                nat = true;
            } else if (p.startsWith("from=") && from.isEmpty()) {
                from = Optional.of(literal(p.substring("from=".length()), text));
            } else {
                throw new IllegalArgumentException("'" + text + "': unknown or repeated part '" + p + "' (expected nat or from=ADDRESS)");
            }
        }
        return new Allowance(protocol, literal(address, text), Integer.parseInt(portText), nat, from);
    }

    /** A literal IPv4 or IPv6 address, never a name lookup; the message names the whole allowance. */
    static InetAddress literal(String address, String whole) {
        try {
            return Addresses.parse(address);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + whole + "': " + e.getMessage());
        }
    }

    private static boolean isBroadcast(InetAddress a) {
        return a instanceof Inet4Address && Addresses.text(a).equals("255.255.255.255");
    }

    public boolean ipv6() {
        return destination instanceof Inet6Address;
    }

    /** The nft match of this allowance: {@code ip saddr 10.77.0.10 ip daddr 192.0.2.7 tcp dport 443}. */
    String match() {
        String family = ipv6() ? "ip6" : "ip";
        return from.map(f -> family + " saddr " + Addresses.text(f) + " ").orElse("") + family + " daddr " + Addresses.text(destination)
                + " " + protocol + " dport " + port;
    }

    /** The form it was written in, canonical: {@code tcp:192.0.2.7:443,nat,from=10.77.0.10}. */
    @Override
    public String toString() {
        String a = Addresses.text(destination);
        return protocol + ":" + (ipv6() ? "[" + a + "]" : a) + ":" + port + (nat ? ",nat" : "")
                + from.map(f -> ",from=" + Addresses.text(f)).orElse("");
    }
}
