package org.leo.agent.collect;

import org.leo.protocol.attest.v1.Route;

/**
 * Parses one line of {@code /proc/net/route} (IPv4) or {@code /proc/net/ipv6_route} into a
 * {@code Route} with CIDR destination ("192.0.2.0/24", "::1/128"), gateway (empty unless the
 * route has RTF_GATEWAY) and interface. Pure; throws only {@link ProcFormatException}.
 */
public final class RouteLineParser {
    /** Longest line parsed (real lines are ~130 / ~160 characters). */
    public static final int MAX_LINE_LENGTH = 512;
    /** RTF_GATEWAY, include/uapi/linux/route.h. */
    static final long RTF_GATEWAY = 0x2;
    /** IFNAMSIZ - 1. */
    static final int MAX_IFNAME = 15;

    private RouteLineParser() {
    }

    /**
     * One {@code /proc/net/route} line: {@code Iface Destination Gateway Flags RefCnt Use Metric
     * Mask ...}, addresses as little-endian hex words (see {@link InetHex}).
     */
    public static Route parseIpv4(String line) {
        String[] f = fields(line, 8, "route");
        byte[] dest = InetHex.wordSwapped(exact(f[1], 8, "route destination"));
        byte[] gw = InetHex.wordSwapped(exact(f[2], 8, "route gateway"));
        long flags = InetHex.number(f[3], 8);
        byte[] mask = InetHex.wordSwapped(exact(f[7], 8, "route mask"));
        int prefix = prefixLength(mask);
        return Route.newBuilder()
                .setDestination(InetHex.format(dest) + "/" + prefix)
                .setGateway((flags & RTF_GATEWAY) != 0 ? InetHex.format(gw) : "")
                .setInterface(ifname(f[0]))
                .build();
    }

    /**
     * One {@code /proc/net/ipv6_route} line: {@code dest plen src splen nexthop metric refcnt use
     * flags iface}, addresses in network byte order.
     */
    public static Route parseIpv6(String line) {
        String[] f = fields(line, 10, "ipv6_route");
        byte[] dest = InetHex.networkOrder(exact(f[0], 32, "ipv6_route destination"));
        long plen = InetHex.number(exact(f[1], 2, "ipv6_route prefix length"), 2);
        if (plen > 128) {
            throw new ProcFormatException("ipv6_route prefix length " + plen + " is over 128");
        }
        byte[] nextHop = InetHex.networkOrder(exact(f[4], 32, "ipv6_route next hop"));
        long flags = InetHex.number(f[8], 8);
        return Route.newBuilder()
                .setDestination(InetHex.format(dest) + "/" + plen)
                .setGateway((flags & RTF_GATEWAY) != 0 ? InetHex.format(nextHop) : "")
                .setInterface(ifname(f[9]))
                .build();
    }

    /** The number of leading one bits of a contiguous netmask. */
    static int prefixLength(byte[] mask) {
        int bits = 0;
        boolean zeroSeen = false;
        for (byte b : mask) {
            for (int i = 7; i >= 0; i--) {
                boolean one = ((b >> i) & 1) != 0;
                if (one && zeroSeen) {
                    throw new ProcFormatException("netmask " + InetHex.format(mask) + " is not contiguous");
                }
                if (one) {
                    bits++;
                } else {
                    zeroSeen = true;
                }
            }
        }
        return bits;
    }

    private static String[] fields(String line, int min, String table) {
        if (line.length() > MAX_LINE_LENGTH) {
            throw new ProcFormatException(table + " line: expected at most " + MAX_LINE_LENGTH + " characters, got "
                    + line.length());
        }
        String[] f = line.strip().split("\\s+");
        if (f.length < min) {
            throw new ProcFormatException(table + " line: expected at least " + min + " fields, got " + f.length);
        }
        return f;
    }

    private static String exact(String s, int digits, String what) {
        if (s.length() != digits) {
            throw new ProcFormatException(what + " \"" + Text.printable(s, 40) + "\": expected " + digits
                    + " hex digits, got " + s.length());
        }
        return s;
    }

    /** An interface name: 1..IFNAMSIZ-1 characters, still non-empty once made printable and stripped. */
    static String ifname(String s) {
        String p = Text.printable(s, MAX_IFNAME);
        if (s.isEmpty() || s.length() > MAX_IFNAME || p.isEmpty()) {
            throw new ProcFormatException("interface name \"" + Text.printable(s, 40) + "\": expected 1 to "
                    + MAX_IFNAME + " printable characters, got " + s.length());
        }
        return p;
    }
}
