package org.leo.attest.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Revoked client certificates by serial number, kept in a text file ({@code serial-hex instant reason}
 * per line) that is appended and fsynced before {@link #revoke} returns. The TLS layer of the
 * attestation port consults it on every handshake.
 */
public final class RevocationList {
    /** A line longer than this is ignored when loading (the file is ours, but a torn write must not stop the server). */
    static final int MAX_LINE = 1024;

    public record Revocation(BigInteger serial, Instant at, String reason) { }

    private final Path file;
    private final Map<BigInteger, Revocation> revoked = new ConcurrentHashMap<>();

    private RevocationList(Path file) {
        this.file = file;
    }

    /** An empty list kept in memory only (tests, tools). */
    public static RevocationList inMemory() {
        return new RevocationList(null);
    }

    /**
     * Loads the list. A last line without its newline is a torn append from a crash: that revocation
     * was never acknowledged ({@link #revoke} returns after the fsync), so it is cut off before
     * anything is appended; otherwise the next revocation would be glued to it and lost.
     */
    public static RevocationList open(Path file) throws IOException {
        RevocationList list = new RevocationList(file);
        if (Files.exists(file)) {
            cutTornTail(file);
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.length() > MAX_LINE) {
                    continue;
                }
                String[] f = line.split(" ", 3);
                try {
                    BigInteger serial = new BigInteger(f[0], 16);
                    list.revoked.put(serial, new Revocation(serial, Instant.parse(f[1]), f.length > 2 ? f[2] : ""));
                } catch (RuntimeException torn) {
                    // a torn last line from a crash mid-append: the revocation was not acknowledged
                }
            }
        }
        return list;
    }

    private static void cutTornTail(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') {
                    break;
                }
                keep--;
            }
            if (keep < size) {
                ch.truncate(keep);
                ch.force(true);
            }
        }
    }

    /** Revokes {@code serial}; durable before it returns. */
    public synchronized void revoke(BigInteger serial, String reason) throws IOException {
        Revocation r = new Revocation(serial, Instant.now(), reason.replace('\n', ' '));
        if (file != null) {
            String line = serial.toString(16) + " " + r.at() + " " + r.reason() + "\n";
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ch.write(java.nio.ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
        }
        revoked.put(serial, r);
    }

    public Optional<Revocation> lookup(BigInteger serial) {
        return Optional.ofNullable(revoked.get(serial));
    }
}
