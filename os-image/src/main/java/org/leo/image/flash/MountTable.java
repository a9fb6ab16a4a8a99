package org.leo.image.flash;

import java.util.ArrayList;
import java.util.List;

/**
 * Pure parsers of the kernel's {@code /proc/self/mountinfo} (proc(5)) and {@code /proc/swaps}: what is mounted where,
 * from which device, and which swap areas are active. The text comes from the local kernel, not the network, but it is
 * still bounded and a line that does not parse is skipped rather than trusted: a device check must not stop on a
 * mount of an unusual file system, and a line it cannot read names no device, so it cannot widen what is allowed
 * either (the O_EXCL claim in {@link ExclusiveClaim} is the kernel's own answer behind these checks).
 */
public final class MountTable {
    /** A mount table longer than this is cut (a host with 100 000 mounts is not a flashing workstation). */
    static final int MAX_LINES = 100_000;

    private MountTable() {
    }

    /**
     * One line of mountinfo: {@code 36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue}.
     *
     * @param major      the device number of the mounted file system (0 for a file system without a block device)
     * @param mountPoint unescaped ({@code \040} is a space)
     * @param source     the mount source after the {@code -} separator, unescaped ({@code /dev/sda1}, {@code tmpfs}, ...)
     */
    public record Mount(int major, int minor, String mountPoint, String fsType, String source) {
        public String devNumber() {
            return major + ":" + minor;
        }
    }

    /** One active swap area: {@code type} is "partition" or "file". */
    public record Swap(String path, String type) {
        public boolean isFile() {
            return "file".equals(type);
        }
    }

    public static List<Mount> parseMountInfo(String text) {
        List<Mount> mounts = new ArrayList<>();
        String[] lines = text.split("\n", MAX_LINES + 1);
        for (int i = 0; i < Math.min(lines.length, MAX_LINES); i++) {
            String[] f = lines[i].strip().split(" ");
            int dash = -1;
            for (int j = 6; j < f.length; j++) {
                if (f[j].equals("-")) {
                    dash = j;
                    break;
                }
            }
            if (f.length < 10 || dash < 0 || dash + 2 >= f.length) {
                continue;
            }
            int colon = f[2].indexOf(':');
            try {
                int major = Integer.parseInt(f[2].substring(0, colon));
                int minor = Integer.parseInt(f[2].substring(colon + 1));
                mounts.add(new Mount(major, minor, unescape(f[4]), unescape(f[dash + 1]), unescape(f[dash + 2])));
            } catch (RuntimeException skipped) {
                // a line that names no device number cannot be matched against one
            }
        }
        return mounts;
    }

    /** {@code /proc/swaps}: a header line, then {@code Filename Type Size Used Priority} separated by white space. */
    public static List<Swap> parseSwaps(String text) {
        List<Swap> swaps = new ArrayList<>();
        String[] lines = text.split("\n", MAX_LINES + 1);
        for (int i = 1; i < Math.min(lines.length, MAX_LINES); i++) {
            String[] f = lines[i].strip().split("\\s+");
            if (f.length >= 2 && f[0].startsWith("/")) {
                swaps.add(new Swap(unescape(f[0]), f[1]));
            }
        }
        return swaps;
    }

    /** The kernel writes space, tab, newline and backslash in paths as {@code \040}, {@code \011}, {@code \012}, {@code \134}. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
