package org.leo.boot.manifest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Parses the file form of a {@link SignedManifest}. The input is untrusted (it arrives on a USB
 * stick or over the admin network): the parser is strict, accepts only the canonical text the
 * signer produces, bounds everything before allocating, and throws nothing but
 * {@link ManifestFormatException}. Every accepted input re-encodes to the identical bytes.
 */
public final class ManifestParser {
    /**
     * Largest manifest file: {@link BootManifest#MAX_ENTRIES} lines of at most
     * {@link #MAX_LINE_LENGTH} bytes would be 2 MiB; real manifests are a few KiB, and 1 MiB keeps
     * a hostile file from costing more than that much memory.
     */
    public static final int MAX_FILE_BYTES = 1 << 20;
    /** Longest line: 64 hex + 2 + 10 digits + 2 + {@link BootPath#MAX_LENGTH} = 333, rounded up. */
    public static final int MAX_LINE_LENGTH = 512;
    /** Longest decimal size field (1 GiB = 10 digits). */
    static final int MAX_SIZE_DIGITS = 10;

    private static final String IMAGE_ID = "image-id: ";
    private static final String CREATED_AT = "created-at: ";
    private static final String ENTRIES = "entries: ";
    private static final int HEADER_LINES = 4;
    private static final int SIGNATURE_BASE64_LENGTH = 88;

    private ManifestParser() {
    }

    /** Parses a whole manifest file. */
    public static SignedManifest parse(byte[] file) throws ManifestFormatException {
        if (file.length > MAX_FILE_BYTES) {
            throw new ManifestFormatException("manifest is larger than " + MAX_FILE_BYTES + " bytes");
        }
        if (file.length == 0) {
            throw new ManifestFormatException("manifest is empty");
        }
        List<String> lines = splitLines(file);

        String magic = line(lines, 0, "the 'leo-boot-manifest v1' line");
        if (!magic.equals(BootManifest.MAGIC)) {
            throw new ManifestFormatException("line 1: expected '" + BootManifest.MAGIC + "'");
        }
        String imageId = field(lines, 1, IMAGE_ID);
        Optional<String> idProblem = BootManifest.imageIdProblem(imageId);
        if (idProblem.isPresent()) {
            throw new ManifestFormatException("line 2: " + idProblem.get());
        }
        String createdText = field(lines, 2, CREATED_AT);
        Instant createdAt;
        try {
            createdAt = Instant.parse(createdText);
        } catch (DateTimeParseException e) {
            throw new ManifestFormatException("line 3: created-at is not a UTC instant like 2026-01-31T12:00:00Z");
        }
        if (!BootManifest.CREATED_AT.format(createdAt).equals(createdText) || createdAt.getNano() != 0) {
            throw new ManifestFormatException("line 3: created-at is not in canonical form (whole seconds, 'Z')");
        }
        String countText = field(lines, 3, ENTRIES);
        int count = decimal(countText, 4, "entry count", 4);
        if (count > BootManifest.MAX_ENTRIES) {
            throw new ManifestFormatException("line 4: entry count " + count + " exceeds " + BootManifest.MAX_ENTRIES);
        }
        List<ManifestEntry> entries = new ArrayList<>(count);
        String previous = null;
        for (int i = 0; i < count; i++) {
            int lineNo = HEADER_LINES + i + 1;
            String text = line(lines, lineNo - 1, "entry " + (i + 1) + " of " + count);
            ManifestEntry entry = entry(text, lineNo);
            if (previous != null) {
                int cmp = entry.path().compareTo(previous);
                if (cmp == 0) {
                    throw new ManifestFormatException("line " + lineNo + ": duplicate path");
                }
                if (cmp < 0) {
                    throw new ManifestFormatException("line " + lineNo + ": entries not sorted by path");
                }
            }
            previous = entry.path();
            entries.add(entry);
        }
        int sigIndex = HEADER_LINES + count;
        String sigLine = line(lines, sigIndex, "the signature line");
        if (!sigLine.startsWith(SignedManifest.SIGNATURE_PREFIX)) {
            throw new ManifestFormatException("line " + (sigIndex + 1) + ": expected '" + SignedManifest.SIGNATURE_PREFIX.trim() + "'");
        }
        String b64 = sigLine.substring(SignedManifest.SIGNATURE_PREFIX.length());
        byte[] signature = null;
        if (b64.length() == SIGNATURE_BASE64_LENGTH) {
            try {
                signature = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                signature = null;
            }
        }
        if (signature == null || signature.length != 64 || !Base64.getEncoder().encodeToString(signature).equals(b64)) {
            throw new ManifestFormatException("line " + (sigIndex + 1) + ": signature is not 64 bytes of canonical base64");
        }
        if (lines.size() > sigIndex + 1) {
            throw new ManifestFormatException("line " + (sigIndex + 2) + ": unexpected line after the signature");
        }
        return new SignedManifest(new BootManifest(imageId, createdAt, entries), signature);
    }

    /** Splits on LF after checking the byte alphabet, the final LF and the line length bound. */
    private static List<String> splitLines(byte[] file) throws ManifestFormatException {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < file.length; i++) {
            int b = file[i] & 0xff;
            if (b == '\n') {
                lines.add(new String(file, start, i - start, StandardCharsets.US_ASCII));
                start = i + 1;
                continue;
            }
            if (b < 0x20 || b > 0x7e) {
                throw new ManifestFormatException(String.format(
                        "line %d: byte 0x%02x not allowed (printable ASCII and LF only)", lines.size() + 1, b));
            }
            if (i - start >= MAX_LINE_LENGTH) {
                throw new ManifestFormatException("line " + (lines.size() + 1) + ": longer than " + MAX_LINE_LENGTH + " characters");
            }
        }
        if (start != file.length) {
            throw new ManifestFormatException("line " + (lines.size() + 1) + ": missing final newline");
        }
        return lines;
    }

    private static String line(List<String> lines, int index, String what) throws ManifestFormatException {
        if (index >= lines.size()) {
            throw new ManifestFormatException("line " + (index + 1) + ": manifest ends before " + what);
        }
        return lines.get(index);
    }

    private static String field(List<String> lines, int index, String prefix) throws ManifestFormatException {
        String text = line(lines, index, "the '" + prefix.trim() + "' line");
        if (!text.startsWith(prefix)) {
            throw new ManifestFormatException("line " + (index + 1) + ": expected '" + prefix.trim() + "'");
        }
        return text.substring(prefix.length());
    }

    private static int decimal(String s, int lineNo, String what, int maxDigits) throws ManifestFormatException {
        return (int) decimalLong(s, lineNo, what, Math.min(maxDigits, 9));
    }

    /** A decimal without sign or leading zeros, of at most {@code maxDigits} digits. */
    private static long decimalLong(String s, int lineNo, String what, int maxDigits) throws ManifestFormatException {
        if (s.isEmpty() || s.length() > maxDigits) {
            throw new ManifestFormatException("line " + lineNo + ": " + what + " must be 1.." + maxDigits + " decimal digits");
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new ManifestFormatException("line " + lineNo + ": " + what + " is not a decimal number");
            }
            v = v * 10 + (c - '0');
        }
        if (s.length() > 1 && s.charAt(0) == '0') {
            throw new ManifestFormatException("line " + lineNo + ": " + what + " has a leading zero");
        }
        return v;
    }

    private static ManifestEntry entry(String text, int lineNo) throws ManifestFormatException {
        int firstSep = Sha256.HEX_LENGTH;
        if (text.length() < firstSep + 2 || !text.startsWith("  ", firstSep)) {
            throw new ManifestFormatException("line " + lineNo + ": expected '<sha256>  <size>  <path>'");
        }
        String sha = text.substring(0, firstSep);
        if (!Sha256.isHex(sha)) {
            throw new ManifestFormatException("line " + lineNo + ": digest is not 64 lower-case hex digits");
        }
        int sizeStart = firstSep + 2;
        int secondSep = text.indexOf("  ", sizeStart);
        if (secondSep < 0) {
            throw new ManifestFormatException("line " + lineNo + ": expected '<sha256>  <size>  <path>'");
        }
        long size = decimalLong(text.substring(sizeStart, secondSep), lineNo, "size", MAX_SIZE_DIGITS);
        if (size > BootManifest.MAX_ARTIFACT_SIZE) {
            throw new ManifestFormatException("line " + lineNo + ": size exceeds " + BootManifest.MAX_ARTIFACT_SIZE);
        }
        String path = text.substring(secondSep + 2);
        Optional<String> problem = BootPath.problem(path);
        if (problem.isPresent()) {
            throw new ManifestFormatException("line " + lineNo + ": " + problem.get());
        }
        return new ManifestEntry(path, size, sha);
    }
}
