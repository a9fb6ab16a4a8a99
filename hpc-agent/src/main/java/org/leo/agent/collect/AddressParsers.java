package org.leo.agent.collect;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The local addresses of the host from {@code /proc/net/fib_trie} (IPv4) and
 * {@code /proc/net/if_inet6} (IPv6). Pure; malformed input is skipped ({@link #localIpv4}) or
 * refused with {@link ProcFormatException} ({@link #parseIfInet6}).
 */
public final class AddressParsers {
    /** One IPv6 address of an interface: {@code address} is CIDR text, "fe80::1/64". */
    public record InterfaceAddress(String interfaceName, String address) {
    }

    private static final int MAX_IPV4_TEXT = 15;

    private AddressParsers() {
    }

    /**
     * The addresses fib_trie marks {@code "/32 host LOCAL"}: the host's own IPv4 addresses, sorted
     * (textually) and without duplicates (the Main and Local tables repeat them). In the trie a leaf
     * line {@code "|-- 192.0.2.2"} is followed by one line per route of that key,
     * {@code "/32 host LOCAL"}.
     */
    public static List<String> localIpv4(List<String> fibTrieLines) {
        TreeSet<String> out = new TreeSet<>();
        String leaf = null;
        for (String raw : fibTrieLines) {
            String line = raw.strip();
            if (line.startsWith("|-- ")) {
                String a = line.substring(4).strip();
                leaf = isDottedQuad(a) ? a : null;
            } else if (line.startsWith("/")) {
                if (leaf != null && line.equals("/32 host LOCAL")) {
                    out.add(leaf);
                }
            } else {
                leaf = null;
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * One {@code if_inet6} line: {@code address(32 hex) ifindex prefixlen scope flags name}.
     */
    public static InterfaceAddress parseIfInet6(String line) {
        if (line.length() > RouteLineParser.MAX_LINE_LENGTH) {
            throw new ProcFormatException("if_inet6 line: expected at most " + RouteLineParser.MAX_LINE_LENGTH
                    + " characters, got " + line.length());
        }
        String[] f = line.strip().split("\\s+");
        if (f.length != 6 || f[0].length() != 32) {
            throw new ProcFormatException("if_inet6 line: expected \"address(32 hex) index prefix scope flags name\"");
        }
        byte[] a = InetHex.networkOrder(f[0]);
        long plen = InetHex.number(f[2], 2);
        if (plen > 128) {
            throw new ProcFormatException("if_inet6 prefix length " + plen + " is over 128");
        }
        return new InterfaceAddress(RouteLineParser.ifname(f[5]), InetHex.format(a) + "/" + plen);
    }

    /** Parses a dotted quad to 4 bytes, or null. */
    static byte[] parseDottedQuad(String s) {
        if (!isDottedQuad(s)) {
            return null;
        }
        String[] p = s.split("\\.");
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(p[i]);
        }
        return b;
    }

    static boolean isDottedQuad(String s) {
        if (s.length() > MAX_IPV4_TEXT) {
            return false;
        }
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            return false;
        }
        for (String q : p) {
            if (!Text.isDigits(q, 3) || Integer.parseInt(q) > 255) {
                return false;
            }
        }
        return true;
    }
}
