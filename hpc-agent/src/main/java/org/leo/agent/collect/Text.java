package org.leo.agent.collect;

/** Small text helpers shared by the collectors: make untrusted text printable and bounded. */
final class Text {
    private Text() {
    }

    /** At most {@code max} characters of {@code s}. */
    static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /**
     * {@code s} stripped, cut to {@code max} characters, with every control character (a crafted
     * value could carry newlines into a "one line per device" list) replaced by {@code '?'}.
     */
    static String printable(String s, int max) {
        String t = clip(s.strip(), max);
        StringBuilder b = null;
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                if (b == null) {
                    b = new StringBuilder(t);
                }
                b.setCharAt(i, '?');
            }
        }
        return b == null ? t : b.toString();
    }

    /** True when {@code s} is 1..{@code max} ASCII digits. */
    static boolean isDigits(String s, int max) {
        if (s.isEmpty() || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
