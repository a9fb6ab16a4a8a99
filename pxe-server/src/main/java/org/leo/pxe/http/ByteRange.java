package org.leo.pxe.http;

/**
 * A parsed {@code Range} request header (RFC 9110 section 14.2) against a representation of a
 * known size. Only a single byte range is honoured; an invalid header or a multi-range request
 * yields {@link Kind#FULL} (RFC 9110 allows ignoring Range and sending 200 with everything).
 *
 * @param kind  full content, one satisfiable range, or unsatisfiable (416)
 * @param first first byte offset (inclusive) for {@link Kind#PARTIAL}, else 0
 * @param last  last byte offset (inclusive) for {@link Kind#PARTIAL}, else size - 1
 */
record ByteRange(Kind kind, long first, long last) {
    enum Kind { FULL, PARTIAL, UNSATISFIABLE }

    /** Longest Range header looked at; anything longer is ignored (one range needs ~45 characters). */
    static final int MAX_HEADER_LENGTH = 256;
    /** Longest offset accepted: 18 digits stays below Long.MAX_VALUE. */
    static final int MAX_DIGITS = 18;

    long length() {
        return last - first + 1;
    }

    /** Parses {@code header} (may be null) against a body of {@code size} bytes. Never throws. */
    static ByteRange parse(String header, long size) {
        ByteRange full = new ByteRange(Kind.FULL, 0, size - 1);
        if (header == null || header.length() > MAX_HEADER_LENGTH) {
            return full;
        }
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return full;
        }
        String spec = h.substring(6).strip();
        if (spec.indexOf(',') >= 0) {
            return full;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return full;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        if (a.isEmpty()) {
            long n = number(b);
            if (n < 0) {
                return full;
            }
            if (n == 0 || size == 0) {
                return new ByteRange(Kind.UNSATISFIABLE, 0, -1);
            }
            return new ByteRange(Kind.PARTIAL, Math.max(0, size - n), size - 1);
        }
        long first = number(a);
        if (first < 0) {
            return full;
        }
        long last;
        if (b.isEmpty()) {
            last = size - 1;
        } else {
            last = number(b);
            if (last < 0 || last < first) {
                return full;
            }
            last = Math.min(last, size - 1);
        }
        if (first >= size) {
            return new ByteRange(Kind.UNSATISFIABLE, 0, -1);
        }
        return new ByteRange(Kind.PARTIAL, first, last);
    }

    /** A non-negative decimal of at most {@link #MAX_DIGITS} digits, or -1. */
    private static long number(String s) {
        if (s.isEmpty() || s.length() > MAX_DIGITS) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
