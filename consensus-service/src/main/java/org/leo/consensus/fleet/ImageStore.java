package org.leo.consensus.fleet;

import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Service image archives (docker save format) on a Pi: {@code DIR/<image id hex>.tar}, by the image id a
 * ServicePublished entry names (SHA-256 of the image config). The Pi cannot check an archive: its parser and the checks
 * that bind it to the image id (the config's digest, each layer against its diff_id, before and after docker load) are
 * the HPC agent's (hpc-agent ImageArchive, ImageLoad). So a fetched archive is kept apart ({@link #fetch}: staged,
 * {@code .part}) and kept for serving ({@link #keep}) only once this Pi's agent accepted it; an archive the agent refused
 * is deleted. Transfers are capped ({@code maxBytes}) as the chunks come; refusals counted in {@link #refusedCount}.
 */
public final class ImageStore {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStore.class);
    /** The default cap on an archive: a service image is a sandboxed computation, not a distribution. */
    public static final long DEFAULT_MAX_BYTES = 2L * 1024 * 1024 * 1024;

    private final Path dir;
    private final long maxBytes;
    private final AtomicLong refused = new AtomicLong();

    public ImageStore(Path dir, long maxBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
    }

    private Path file(byte[] imageId, String suffix) {
        if (imageId.length != FleetLimits.HASH_BYTES) {
            throw new IllegalArgumentException("an image id is " + FleetLimits.HASH_BYTES + " bytes, not " + imageId.length);
        }
        return dir.resolve(HexFormat.of().formatHex(imageId) + suffix);
    }

    /** The archive this Pi keeps for {@code imageId} (its agent accepted it), if any. */
    public Optional<Path> kept(byte[] imageId) {
        Path f = file(imageId, ".tar");
        return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
    }

    /** The archive staged for {@code imageId} (fetched, not yet accepted by an agent), if any. */
    public Optional<Path> staged(byte[] imageId) {
        Path f = file(imageId, ".tar.part");
        return Files.isRegularFile(f) ? Optional.of(f) : Optional.empty();
    }

    /** Puts an archive the operator or this Pi's agent accepted (e.g. {@code leo service publish}) into the store. */
    public Path put(byte[] imageId, Path archive) throws IOException {
        Path to = file(imageId, ".tar");
        Files.copy(archive, to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }

    /** Stages what {@code chunks} bring for {@code imageId}, within the cap; the staged file, or empty (counted, logged). */
    Optional<Path> fetch(byte[] imageId, Iterator<CapsuleChunk> chunks, String from) {
        Path part = file(imageId, ".tar.part");
        try {
            Optional<String> over;
            try (OutputStream out = Files.newOutputStream(part)) {
                over = Chunks.receive(chunks, maxBytes, out);
            }
            if (over.isEmpty()) {
                return Optional.of(part);
            }
            return refuse(part, imageId, from, over.get());
        } catch (StatusRuntimeException e) {
            LOG.debug("images: {} has no image {}: {}", from, HexFormat.of().formatHex(imageId), e.getStatus());
            deleteQuietly(part);
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return refuse(part, imageId, from, e.toString());
        }
    }

    private Optional<Path> refuse(Path part, byte[] imageId, String from, String why) {
        refused.incrementAndGet();
        LOG.warn("images: refused image {} from {}: {}", HexFormat.of().formatHex(imageId), from, why);
        deleteQuietly(part);
        return Optional.empty();
    }

    /** This Pi's agent accepted the staged archive (it checked it against the image id): it is kept and served. */
    void keep(byte[] imageId) throws IOException {
        Path part = file(imageId, ".tar.part");
        if (Files.isRegularFile(part)) {
            Files.move(part, file(imageId, ".tar"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** This Pi's agent refused the staged archive: deleted, counted. */
    void discard(byte[] imageId) {
        refused.incrementAndGet();
        deleteQuietly(file(imageId, ".tar.part"));
    }

    long refusedCount() {
        return refused.get();
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("images: could not delete {}: {}", p, e.toString());
        }
    }
}
