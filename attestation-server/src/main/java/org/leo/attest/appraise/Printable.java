package org.leo.attest.appraise;

/**
 * The one way a string the HPC sent becomes part of a sentence, a finding or a log line: printable
 * ASCII stays, everything else (control characters, line breaks, escapes, non-ASCII) is written as
 * {@code \xNN} or {@code \\uNNNN}, and the result is cut at a bound with "..". A hostile agent cannot
 * forge log lines, colour a terminal or grow an entry without limit.
 */
public final class Printable {
    /** Longest value (expected/got, a name) that goes into a finding. */
    public static final int MAX_VALUE = 256;
    /** Longest sentence. */
    public static final int MAX_SENTENCE = 1024;

    private Printable() {
    }

    /** {@code s} escaped and cut to at most {@code max} characters of output (plus ".."). */
    public static String of(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= max) {
                return b.append("..").toString();
            }
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                b.append(c);
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x100) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    /** {@code s} escaped and cut at {@link #MAX_VALUE}. */
    public static String of(String s) {
        return of(s, MAX_VALUE);
    }
}
