package org.leo.appliance.gateway;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.leo.agent.collect.InetHex;
import org.leo.appliance.service.Enrollment;

/**
 * Addresses as the gateway reads and writes them: literals only, never a name lookup; printed as nft prints them, IPv4
 * dotted and IPv6 in the RFC 5952 form ({@code 2001:db8::53}, not Java's {@code 2001:db8:0:0:0:0:0:53}).
 */
public final class Addresses {
    private Addresses() {
    }

    /** A literal IPv4 (dotted quad) or IPv6 address; anything else, a name above all, is refused without a lookup. */
    public static InetAddress parse(String text) {
        Optional<Inet4Address> v4 = Enrollment.ipv4(text);
        if (v4.isPresent()) {
            return v4.get();
        }
        if (text.matches("[0-9A-Fa-f:.]{2,45}") && text.contains(":")) {
            try {
                InetAddress a = InetAddress.getByName(text); // a literal with ':' is parsed, never looked up
                if (a instanceof Inet6Address) {
                    return a;
                }
            } catch (UnknownHostException e) {
                // refused below
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address");
    }

    /** {@code 10.77.0.10}; {@code 2001:db8::53} (RFC 5952, as the agent's collectors write addresses). */
    public static String text(InetAddress a) {
        return InetHex.format(a.getAddress());
    }
}
