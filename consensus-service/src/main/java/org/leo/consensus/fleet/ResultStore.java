package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Task results as opaque bytes: {@code DIR/<task seq>.result}. On the executor's Pi, the result capsule its HPC's agent
 * sealed to the task owner (served by FetchResult to the owner only); on the owner's Pi, what it fetched (opened with its
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

    public void put(long taskSeq, byte[] bytes) throws IOException {
        if (bytes.length > maxBytes) {
            throw new IOException("a result of " + bytes.length + " bytes is over the " + maxBytes + " kept");
        }
        Path tmp = dir.resolve(Long.toUnsignedString(taskSeq) + ".result.tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, file(taskSeq), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public Optional<byte[]> get(long taskSeq) throws IOException {
        Path f = file(taskSeq);
        if (!Files.isRegularFile(f) || Files.size(f) > maxBytes) {
            return Optional.empty();
        }
        return Optional.of(Files.readAllBytes(f));
    }

    public Path path(long taskSeq) {
        return file(taskSeq);
    }
}
