package org.leo.agent.collect;

/**
 * Decodes the hexadecimal addresses the kernel prints in {@code /proc/net/*} and formats them as
 * text. Pure functions; they throw only {@link ProcFormatException}.
 *
 * <p>Byte order: {@code /proc/net/tcp}, {@code udp} and {@code route} print each 32-bit word of
 * an address as the CPU sees it ({@code %08X} of a big-endian value held in a native
 * {@code u32}), so on the little-endian CPUs the agent runs on (x86-64, arm64) the bytes of every
 * word appear reversed: {@code 0100007F} is 127.0.0.1. {@code if_inet6} and {@code ipv6_route}
 * instead print the 16 address bytes in network order.
 */
public final class InetHex {
    private InetHex() {
    }

    /** {@code hex} of 8 or 32 digits as printed by proc/net/tcp (little-endian words) to bytes. */
    public static byte[] wordSwapped(String hex) {
        byte[] b = networkOrder(hex);
        if (b.length != 4 && b.length != 16) {
            throw new ProcFormatException("address \"" + Text.printable(hex, 40) + "\": expected 8 or 32 hex digits, got "
                    + hex.length());
        }
        for (int w = 0; w < b.length; w += 4) {
            byte t = b[w];
            b[w] = b[w + 3];
            b[w + 3] = t;
            t = b[w + 1];
            b[w + 1] = b[w + 2];
            b[w + 2] = t;
        }
        return b;
    }

    /** {@code hex} (an even number of digits, at most 32) to bytes, first digit pair first. */
    public static byte[] networkOrder(String hex) {
        if (hex.isEmpty() || hex.length() > 32 || hex.length() % 2 != 0) {
            throw new ProcFormatException("address \"" + Text.printable(hex, 40)
                    + "\": expected an even number of hex digits up to 32, got " + hex.length());
        }
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((digit(hex.charAt(2 * i)) << 4) | digit(hex.charAt(2 * i + 1)));
        }
        return out;
    }

    /** An unsigned hex number of 1..{@code maxDigits} digits. */
    public static long number(String hex, int maxDigits) {
        if (hex.isEmpty() || hex.length() > maxDigits) {
            throw new ProcFormatException("hex number \"" + Text.printable(hex, 40) + "\": expected 1 to " + maxDigits
                    + " digits, got " + hex.length());
        }
        long v = 0;
        for (int i = 0; i < hex.length(); i++) {
            v = (v << 4) | digit(hex.charAt(i));
        }
        return v;
    }

    /** Dotted quad for 4 bytes, RFC 5952 text for 16 (IPv4-mapped as {@code ::ffff:a.b.c.d}). */
    public static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        if (a.length != 16) {
            throw new ProcFormatException("address: expected 4 or 16 bytes, got " + a.length);
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= a[i] == 0;
        }
        if (mapped && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff) {
            return "::ffff:" + format(new byte[] {a[12], a[13], a[14], a[15]});
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        // RFC 5952 section 4.2: the longest run of two or more zero groups becomes "::" (the first on a tie).
        int bestAt = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestAt = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                s.append("::");
                i += bestLen - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }

    private static int digit(char c) {
        int d = Character.digit(c, 16);
        if (d < 0 || c > 'f') {
            throw new ProcFormatException("\"" + (c < 0x20 || c == 0x7f ? '?' : c) + "\" is not a hex digit");
        }
        return d;
    }
}
