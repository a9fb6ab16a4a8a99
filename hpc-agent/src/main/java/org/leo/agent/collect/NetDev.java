package org.leo.agent.collect;

/**
 * A pure parser of {@code /proc/PID/net/dev} lines: two header lines (with {@code |}), then one line per
 * interface of the reading process's network namespace, {@code "  eth0: 1234 ..."}. Only the name is
 * taken.
 */
public final class NetDev {
    /** An interface name is at most IFNAMSIZ - 1 = 15 bytes. */
    static final int MAX_NAME = 15;

    private NetDev() {
    }

    /** The interface name of a line, or a {@link ProcFormatException} for a header or malformed line. */
    public static String interfaceName(String line) {
        int colon = line.indexOf(':');
        if (colon < 0 || line.indexOf('|') >= 0) {
            throw new ProcFormatException("a net/dev interface line has 'NAME:' and no '|'");
        }
        String name = line.substring(0, colon).strip();
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw new ProcFormatException("an interface name has 1 to " + MAX_NAME + " characters, got " + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c == '/' || c == 0x7f) {
                throw new ProcFormatException("an interface name has no blank, '/' or control character");
            }
        }
        return name;
    }

    /** The inode of a namespace link's target, {@code "net:[4026531840]"}, or a {@link ProcFormatException}. */
    public static long namespaceInode(String link, String type) {
        String prefix = type + ":[";
        if (!link.startsWith(prefix) || !link.endsWith("]") || !Text.isDigits(link.substring(prefix.length(), link.length() - 1), 19)) {
            throw new ProcFormatException("a namespace link reads " + type + ":[INODE], got '" + Text.printable(link, 64) + "'");
        }
        try {
            return Long.parseLong(link.substring(prefix.length(), link.length() - 1));
        } catch (NumberFormatException e) {
            throw new ProcFormatException("a namespace inode over 2^63: '" + Text.printable(link, 64) + "'");
        }
    }
}
