package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Task results as opaque bytes: {@code DIR/<task seq>.result}. On the executor's Pi, the result capsule its HPC's agent
 * sealed to the task owner (served by FetchResult to the owner only), and {@code DIR/<task seq>-<member>.result}, the
 * copy sealed to each other data capsule owner (served to that member only); on the owner's Pi, what it fetched (opened with its
 * TPM by the agent side's ResultOpener). Written whole (a temporary file moved into place), read up to {@code maxBytes}.
 */
public final class ResultStore {
    private final Path dir;
    private final long maxBytes;

    public ResultStore(Path dir, long maxBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
    }

    private Path file(long taskSeq) {
        return dir.resolve(Long.toUnsignedString(taskSeq) + ".result");
    }

    /** Another data owner's copy: {@code DIR/<task seq>-<member hex>.result}. */
    private Path file(long taskSeq, String memberHex) {
        if (!memberHex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a member key is 64 lower-case hex digits");
        }
        return dir.resolve(Long.toUnsignedString(taskSeq) + "-" + memberHex + ".result");
    }

    public void put(long taskSeq, byte[] bytes) throws IOException {
        write(file(taskSeq), bytes);
    }

    /** The result sealed to data owner {@code memberHex} of task {@code taskSeq} (not the task owner). */
    public void put(long taskSeq, String memberHex, byte[] bytes) throws IOException {
        write(file(taskSeq, memberHex), bytes);
    }

    private void write(Path f, byte[] bytes) throws IOException {
        if (bytes.length > maxBytes) {
            throw new IOException("a result of " + bytes.length + " bytes is over the " + maxBytes + " kept");
        }
        Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Optional<byte[]> get(long taskSeq) throws IOException {
        return read(file(taskSeq));
    }

    /** Data owner {@code memberHex}'s copy of task {@code taskSeq}'s result, if kept. */
    public Optional<byte[]> get(long taskSeq, String memberHex) throws IOException {
        return read(file(taskSeq, memberHex));
    }

    private Optional<byte[]> read(Path f) throws IOException {
        if (!Files.isRegularFile(f) || Files.size(f) > maxBytes) {
            return Optional.empty();
        }
        return Optional.of(Files.readAllBytes(f));
    }

    public Path path(long taskSeq) {
        return file(taskSeq);
    }
}
