package org.leo.boot.manifest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;

/**
 * Ed25519 manifest-signing keys as PEM files that OpenSSL reads too: the private key as
 * PKCS#8 ({@code BEGIN PRIVATE KEY}, RFC 8410 section 7), the public key as SubjectPublicKeyInfo
 * ({@code BEGIN PUBLIC KEY}, RFC 8410 section 4). Both DER forms are a fixed prefix followed by the
 * 32 raw key bytes, so they are written and read here without an ASN.1 library; anything but
 * exactly that form is rejected.
 */
public final class Ed25519Keys {
    /** Largest key file read: a PEM Ed25519 key is about 120 bytes. */
    static final int MAX_KEY_FILE_BYTES = 4096;

    /** DER of PrivateKeyInfo{v1, id-Ed25519, OCTET STRING{OCTET STRING(32)}} up to the key bytes. */
    private static final byte[] PKCS8_PREFIX = HexFormat.of().parseHex("302e020100300506032b657004220420");
    /** DER of SubjectPublicKeyInfo{id-Ed25519, BIT STRING(32)} up to the key bytes. */
    private static final byte[] SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");
    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    private Ed25519Keys() {
    }

    public static AsymmetricCipherKeyPair generate() {
        Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
        gen.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return gen.generateKeyPair();
    }

    /** Writes the private key (mode 0600, refuses to overwrite). */
    public static void writePrivate(Path file, Ed25519PrivateKeyParameters key) throws IOException {
        byte[] der = concat(PKCS8_PREFIX, key.getEncoded());
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, pem(PRIVATE, der), StandardOpenOption.TRUNCATE_EXISTING);
        Arrays.fill(der, (byte) 0);
    }

    /** Writes the public key (refuses to overwrite). */
    public static void writePublic(Path file, Ed25519PublicKeyParameters key) throws IOException {
        Files.write(file, pem(PUBLIC, concat(SPKI_PREFIX, key.getEncoded())), StandardOpenOption.CREATE_NEW);
    }

    public static Ed25519PrivateKeyParameters readPrivate(Path file) throws IOException {
        return new Ed25519PrivateKeyParameters(readKey(file, PRIVATE, PKCS8_PREFIX), 0);
    }

    public static Ed25519PublicKeyParameters readPublic(Path file) throws IOException {
        return new Ed25519PublicKeyParameters(readKey(file, PUBLIC, SPKI_PREFIX), 0);
    }

    /** Short fingerprint for logs: first 16 hex digits of SHA-256 of the raw public key. */
    public static String fingerprint(Ed25519PublicKeyParameters key) {
        return Sha256.hex(key.getEncoded()).substring(0, 16);
    }

    private static byte[] pem(String label, byte[] der) {
        String text = "-----BEGIN " + label + "-----\n" + Base64.getEncoder().encodeToString(der)
                + "\n-----END " + label + "-----\n";
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] readKey(Path file, String label, byte[] prefix) throws IOException {
        if (Files.size(file) > MAX_KEY_FILE_BYTES) {
            throw new IOException(file + ": not an Ed25519 " + label.toLowerCase() + " PEM file (too large)");
        }
        String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        if (!text.startsWith(begin) || !text.endsWith(end)) {
            throw new IOException(file + ": not an Ed25519 " + label.toLowerCase() + " PEM file (expected " + begin + ")");
        }
        String body = text.substring(begin.length(), text.length() - end.length()).replaceAll("\\s", "");
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": PEM body is not base64");
        }
        if (der.length != prefix.length + 32 || !Arrays.equals(der, 0, prefix.length, prefix, 0, prefix.length)) {
            throw new IOException(file + ": not an Ed25519 key (wrong DER structure)");
        }
        return Arrays.copyOfRange(der, prefix.length, der.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
