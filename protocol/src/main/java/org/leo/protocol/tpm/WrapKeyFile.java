package org.leo.protocol.tpm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.leo.protocol.capsule.DurableFiles;

/**
 * The public half of a Pi's wrap key in a file, so that capsule keys can be wrapped to it without
 * that Pi's TPM: while the Pi's service holds the TPM, or on another machine (the owner's laptop).
 * The running Pi writes it ({@code DATA-DIR/capsule-wrap-key.pub}); {@code leo capsule seal
 * --wrap-key FILE} and friends read it. Three lines of ASCII, each ending in a line feed, nothing
 * else:
 * <pre>
 * leo-capsule-wrap-key v1
 * fingerprint HEX      SHA-256 of the key's SubjectPublicKeyInfo, 64 lower-case hex digits ({@link WrapKey#fingerprint})
 * tpmt-public HEX      the marshalled TPMT_PUBLIC the TPM returned for the key, lower-case hex
 * </pre>
 *
 * <p>Trust: the file is untrusted. Only the TPMT_PUBLIC is used: the RSA key and the TPM name
 * (nameAlg SHA-256 || SHA-256(TPMT_PUBLIC)) are derived from it, and it must have the wrap key
 * template's shape ({@link WrapKeyTemplate#parse}: a fixedTPM, decrypt-only RSA-2048 key with
 * RSAES-OAEP-SHA-256), so a file cannot make anyone wrap a capsule key to a signing key or to a key
 * that can leave its TPM. The fingerprint line is for people comparing it with the Pi's log; it must
 * match the key, or the file was altered. That the key is <em>your</em> Pi's is not something a
 * file can prove: compare the fingerprint with what your Pi logs ("capsule wrap key FINGERPRINT").
 */
public final class WrapKeyFile {
    /** The first line, with the format's version. */
    public static final String HEADER = "leo-capsule-wrap-key v1";
    /** Header, fingerprint and a {@link TpmPublic#MAX_PUBLIC_BYTES} public area in hex fit in this; a larger file is refused unread. */
    public static final int MAX_FILE_BYTES = 4096;
    private static final String FINGERPRINT = "fingerprint ";
    private static final String TPMT_PUBLIC = "tpmt-public ";

    private WrapKeyFile() {
    }

    /** The file's text for {@code key}. */
    public static String format(WrapKey key) {
        return HEADER + "\n" + FINGERPRINT + key.fingerprint() + "\n" + TPMT_PUBLIC + HexFormat.of().formatHex(key.publicArea()) + "\n";
    }

    /**
     * Parses a wrap key file's bytes (untrusted).
     *
     * @throws TpmFormatException a sentence saying which line is wrong and how
     */
    public static WrapKey parse(byte[] file) throws TpmFormatException {
        if (file.length > MAX_FILE_BYTES) {
            throw new TpmFormatException("a wrap key file has at most " + MAX_FILE_BYTES + " bytes, this one " + file.length);
        }
        for (byte b : file) {
            if (b != '\n' && (b < 0x20 || b > 0x7e)) {
                throw new TpmFormatException(String.format("a wrap key file is printable ASCII lines, this one has the byte 0x%02x", b & 0xff));
            }
        }
        String text = new String(file, StandardCharsets.US_ASCII);
        if (!text.endsWith("\n")) {
            throw new TpmFormatException("a wrap key file ends with a line feed, this one does not (truncated?)");
        }
        String[] lines = text.substring(0, text.length() - 1).split("\n", -1);
        if (lines.length != 3) {
            throw new TpmFormatException("a wrap key file has 3 lines, this one " + lines.length);
        }
        if (!lines[0].equals(HEADER)) {
            throw new TpmFormatException("line 1 is '" + abbreviate(lines[0]) + "', expected '" + HEADER + "'");
        }
        byte[] fingerprint = hexLine(lines[1], FINGERPRINT, 2);
        byte[] publicArea = hexLine(lines[2], TPMT_PUBLIC, 3);
        if (fingerprint.length != 32) {
            throw new TpmFormatException("line 2: the fingerprint has " + fingerprint.length + " bytes, expected 32 (SHA-256)");
        }
        WrapKey key;
        try {
            key = WrapKey.fromPublicArea(publicArea);
        } catch (TpmFormatException e) {
            throw new TpmFormatException("line 3: " + e.getMessage());
        }
        if (!Arrays.equals(fingerprint, HexFormat.of().parseHex(key.fingerprint()))) {
            throw new TpmFormatException("line 2 says fingerprint " + lines[1].substring(FINGERPRINT.length()) + ", but the key in line 3 has "
                    + key.fingerprint() + ": the file was altered");
        }
        return key;
    }

    /**
     * Reads and parses the wrap key file {@code file}.
     *
     * @throws TpmFormatException as {@link #parse}, and when the file is larger than {@link #MAX_FILE_BYTES} (not read then)
     * @throws IOException        the file cannot be read
     */
    public static WrapKey read(Path file) throws IOException, TpmFormatException {
        long size = Files.size(file);
        if (size > MAX_FILE_BYTES) {
            throw new TpmFormatException("a wrap key file has at most " + MAX_FILE_BYTES + " bytes, this one " + size);
        }
        return parse(Files.readAllBytes(file));
    }

    /**
     * Writes {@code key} to {@code file} (mode 0644, atomically: a reader sees the old file or the new one) unless the
     * file holds exactly that text already. Whether it wrote.
     */
    public static boolean writeIfChanged(Path file, WrapKey key) throws IOException {
        byte[] text = format(key).getBytes(StandardCharsets.US_ASCII);
        try {
            if (Files.size(file) == text.length && Arrays.equals(Files.readAllBytes(file), text)) {
                return false;
            }
        } catch (NoSuchFileException e) {
            // first write
        }
        DurableFiles.write(file, PosixFilePermissions.fromString("rw-r--r--"), List.of(ByteBuffer.wrap(text)));
        return true;
    }

    private static byte[] hexLine(String line, String prefix, int number) throws TpmFormatException {
        if (!line.startsWith(prefix)) {
            throw new TpmFormatException("line " + number + " is '" + abbreviate(line) + "', expected '" + prefix + "HEX'");
        }
        String hex = line.substring(prefix.length());
        if (hex.isEmpty() || hex.length() % 2 != 0 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            throw new TpmFormatException("line " + number + ": '" + abbreviate(hex) + "' is not an even number of lower-case hex digits");
        }
        return HexFormat.of().parseHex(hex);
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
