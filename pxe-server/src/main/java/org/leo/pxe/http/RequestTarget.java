package org.leo.pxe.http;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns an HTTP request target (RFC 9112 section 3.2: origin-form {@code /path?query} or
 * absolute-form {@code http://host/path}) into the boot file name handed to
 * {@link org.leo.pxe.boot.BootFiles}: the query and fragment are dropped, percent-escapes are
 * decoded strictly as UTF-8, and the single leading {@code /} is removed. Nothing is normalised:
 * {@code ..}, {@code //} and the like reach the boot-file policy as sent and are refused there.
 */
final class RequestTarget {
    /** Thrown for targets that are not a path (400). */
    static final class BadTargetException extends Exception {
        BadTargetException(String message) {
            super(message, null, false, false);
        }
    }

    private RequestTarget() {
    }

    static String bootPath(String uri) throws BadTargetException {
        String t = uri;
        if (t.regionMatches(true, 0, "http://", 0, 7)) {
            int slash = t.indexOf('/', 7);
            t = slash < 0 ? "/" : t.substring(slash);
        }
        int cut = t.length();
        int q = t.indexOf('?');
        if (q >= 0) {
            cut = q;
        }
        int f = t.indexOf('#');
        if (f >= 0 && f < cut) {
            cut = f;
        }
        t = t.substring(0, cut);
        if (t.isEmpty() || t.charAt(0) != '/') {
            throw new BadTargetException("request target is not an absolute path");
        }
        return percentDecode(t.substring(1));
    }

    private static String percentDecode(String s) throws BadTargetException {
        ByteBuffer out = ByteBuffer.allocate(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new BadTargetException("truncated percent-escape");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new BadTargetException("invalid percent-escape");
                }
                out.put((byte) (hi << 4 | lo));
                i += 2;
            } else if (c > 0x7f) {
                throw new BadTargetException("non-ASCII character in request target");
            } else {
                out.put((byte) c);
            }
        }
        out.flip();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(out).toString();
        } catch (CharacterCodingException e) {
            throw new BadTargetException("percent-escapes are not UTF-8");
        }
    }
}
