package org.leo.appliance.service;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * The dashboard's session key: a random secret in DATA-DIR/web-session.generation that every session cookie names. A
 * dashboard login's principal is "user#generation" inside the encrypted cookie (a user name has no '#'); a cookie is
 * honoured only while its generation is the current one, so rotating the key signs every session out at once, the
 * rotating operator's too, without a restart. (The cookie's encryption key, DATA-DIR/web-session.key, is read by Quarkus
 * at start; it is replaced on rotation as well, in force from the next start.)
 */
public final class SessionGeneration {
    /** The file under the data directory. */
    public static final String FILE = "web-session.generation";
    /** The cookie encryption key's file under the data directory. */
    public static final String ENCRYPTION_KEY = "web-session.key";

    private final Path dataDir;
    private volatile String current;

    private SessionGeneration(Path dataDir, String current) {
        this.dataDir = dataDir;
        this.current = current;
    }

    /** Reads DATA-DIR/web-session.generation, creating it the first time. */
    public static SessionGeneration open(Path dataDir) throws IOException {
        return new SessionGeneration(dataDir, secret(dataDir.resolve(FILE), 16, false));
    }

    /** Signs every session out: a new generation (durable before this returns) and a new encryption key for the next start. */
    public synchronized void rotate() throws IOException {
        secret(dataDir.resolve(ENCRYPTION_KEY), 32, true);
        current = secret(dataDir.resolve(FILE), 16, true);
    }

    /** The principal a dashboard login of {@code user} keeps in its cookie. */
    public String principal(String user) {
        return user + "#" + current;
    }

    /** The user of a cookie's {@code principal} when its generation is the current one. */
    public Optional<String> user(String principal) {
        int hash = principal.lastIndexOf('#');
        if (hash <= 0) {
            return Optional.empty();
        }
        byte[] got = principal.substring(hash + 1).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(got, current.getBytes(StandardCharsets.US_ASCII)) ? Optional.of(principal.substring(0, hash)) : Optional.empty();
    }

    /** The user name of a principal, with or without a generation. */
    public static String userOf(String principal) {
        int hash = principal.indexOf('#');
        return hash < 0 ? principal : principal.substring(0, hash);
    }

    /**
     * The secret in {@code file} (base64 of {@code bytes} random bytes, mode 0600): read, or made when missing, short or
     * {@code replace}d; a new one is written to a temporary file, synced and renamed over the old, so a crash leaves
     * either.
     */
    public static String secret(Path file, int bytes, boolean replace) throws IOException {
        if (!replace && Files.isRegularFile(file)) {
            String key = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (key.length() >= (bytes * 4 + 2) / 3) {
                return key;
            }
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] raw = new byte[bytes];
        new SecureRandom().nextBytes(raw);
        String key = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, key + "\n", StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
        return key;
    }
}
