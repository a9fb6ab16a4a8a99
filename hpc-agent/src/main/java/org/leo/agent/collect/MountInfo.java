package org.leo.agent.collect;

import java.util.ArrayList;
import java.util.List;
import org.leo.protocol.attest.v1.MountEntry;

/**
 * A pure parser of {@code /proc/PID/mountinfo} lines (proc(5)):
 * {@code ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS}, with
 * space, tab, newline and backslash in paths written as {@code \ooo}. Every text kept is decoded, made
 * printable and cut to {@link #MAX_FIELD} characters; a line that does not have the kernel's shape is a
 * {@link ProcFormatException} saying why.
 */
public final class MountInfo {
    /** Longest mount point, source or options kept (PATH_MAX is 4096; a task's paths are far shorter). */
    public static final int MAX_FIELD = 1024;
    /** Optional fields ("shared:1 master:2 propagate_from:3 unbindable") before the separator. */
    static final int MAX_OPTIONAL_FIELDS = 16;

    private MountInfo() {
    }

    /** One mountinfo line as a {@link MountEntry}. */
    public static MountEntry parse(String line) {
        String[] f = line.split(" ", -1);
        int dash = -1;
        for (int i = 6; i < f.length && i <= 6 + MAX_OPTIONAL_FIELDS; i++) {
            if (f[i].equals("-")) {
                dash = i;
                break;
            }
        }
        if (f.length < 10 || dash < 0) {
            throw new ProcFormatException("a mountinfo line has at least 10 fields with a '-' separator after the 6th, got "
                    + f.length + " fields" + (dash < 0 ? " and no separator" : ""));
        }
        if (f.length != dash + 4) {
            throw new ProcFormatException("a mountinfo line has 3 fields after its '-' separator, got " + (f.length - dash - 1));
        }
        if (!Text.isDigits(f[0], 10) || !Text.isDigits(f[1], 10) || !f[2].matches("[0-9]{1,10}:[0-9]{1,10}")) {
            throw new ProcFormatException("a mountinfo line starts with ID PARENT MAJOR:MINOR, got '" + Text.printable(f[0] + " " + f[1] + " " + f[2], 64) + "'");
        }
        String point = unescape(f[4]);
        if (!point.startsWith("/")) {
            throw new ProcFormatException("a mount point is an absolute path, got '" + Text.printable(point, 64) + "'");
        }
        // Checked as kept: printable() strips blanks, and Java counts the control characters 0x1c-0x1f as blanks.
        String type = Text.printable(unescape(f[dash + 1]), MAX_FIELD);
        if (type.isEmpty()) {
            throw new ProcFormatException("a mountinfo line names its file system type");
        }
        return MountEntry.newBuilder()
                .setMountPoint(Text.printable(point, MAX_FIELD))
                .setFsType(type)
                .setSource(Text.printable(unescape(f[dash + 2]), MAX_FIELD))
                .setOptions(Text.printable(unescape(f[5]) + "," + unescape(f[dash + 3]), MAX_FIELD))
                .build();
    }

    /** Each line parsed, in order, malformed ones left out and counted in {@code malformed[0]}. */
    public static List<MountEntry> parseAll(List<String> lines, int[] malformed) {
        List<MountEntry> out = new ArrayList<>(lines.size());
        for (String line : lines) {
            try {
                out.add(parse(line));
            } catch (ProcFormatException e) {
                malformed[0]++;
            }
        }
        return out;
    }

    /** The kernel's {@code \ooo} escapes decoded (only octal triplets; a lone backslash stays). */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && octal(s.charAt(i + 1)) && octal(s.charAt(i + 2)) && octal(s.charAt(i + 3))) {
                b.append((char) (((s.charAt(i + 1) - '0') << 6 | (s.charAt(i + 2) - '0') << 3 | (s.charAt(i + 3) - '0')) & 0xff));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean octal(char c) {
        return c >= '0' && c <= '7';
    }
}
