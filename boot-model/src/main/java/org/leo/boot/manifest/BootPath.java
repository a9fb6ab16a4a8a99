package org.leo.boot.manifest;

import java.util.Optional;

/**
 * The grammar of a file name inside the boot root, shared by the manifest parser, the manifest
 * tool and the request validation of {@link ManifestBootFiles}. A boot path is relative,
 * {@code '/'}-separated and already normal: no empty, {@code .} or {@code ..} segment, no leading
 * or trailing {@code '/'}, no backslash, and only the characters {@code A-Z a-z 0-9 . _ - + ~ = , @}
 * in its segments. Names are rejected, never rewritten, so a name the manifest lists and a name
 * a client asks for compare byte for byte.
 */
public final class BootPath {
    /**
     * Longest name accepted, in characters (= bytes, the alphabet is ASCII). Boot artifact names
     * are short ({@code vmlinuz}, {@code efi/boot/bootx64.efi}); TFTP clients send at most a
     * block-sized name, and anything longer than a file-system component limit is hostile.
     */
    public static final int MAX_LENGTH = 255;

    /** Longest excerpt of an untrusted name put into a log line or an event. */
    public static final int MAX_PRINTABLE = 120;

    private BootPath() {
    }

    /** Why {@code name} is not a valid boot path, or empty when it is one. */
    public static Optional<String> problem(String name) {
        if (name.isEmpty()) {
            return Optional.of("empty file name");
        }
        if (name.length() > MAX_LENGTH) {
            return Optional.of("file name longer than " + MAX_LENGTH + " characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == 0) {
                return Optional.of("NUL character in file name");
            }
            if (c < 0x20 || c == 0x7f) {
                return Optional.of(String.format("control character 0x%02x in file name", (int) c));
            }
            if (c == '\\') {
                return Optional.of("backslash in file name");
            }
            if (c != '/' && !allowed(c)) {
                return Optional.of(String.format("character U+%04X not allowed in file name", (int) c));
            }
        }
        if (name.charAt(0) == '/') {
            return Optional.of("absolute file name");
        }
        int start = 0;
        while (start <= name.length()) {
            int slash = name.indexOf('/', start);
            int end = slash < 0 ? name.length() : slash;
            String segment = name.substring(start, end);
            if (segment.equals("..")) {
                return Optional.of("'..' in file name");
            }
            if (segment.equals(".")) {
                return Optional.of("'.' segment in file name");
            }
            if (segment.isEmpty()) {
                return Optional.of("empty segment in file name");
            }
            if (slash < 0) {
                break;
            }
            start = slash + 1;
        }
        return Optional.empty();
    }

    /** True when {@code name} is a valid boot path. */
    public static boolean isValid(String name) {
        return problem(name).isEmpty();
    }

    /** {@code name} made safe for one log line: non-printable characters escaped, long names cut. */
    public static String printable(String name) {
        StringBuilder sb = new StringBuilder(Math.min(name.length(), MAX_PRINTABLE) + 8);
        for (int i = 0; i < name.length() && i < MAX_PRINTABLE; i++) {
            char c = name.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        if (name.length() > MAX_PRINTABLE) {
            sb.append("...(").append(name.length()).append(" chars)");
        }
        return sb.toString();
    }

    private static boolean allowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-' || c == '+' || c == '~' || c == '=' || c == ',' || c == '@';
    }
}
