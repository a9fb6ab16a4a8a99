package org.leo.consensus.capsule;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.leo.boot.manifest.Sha256;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.DurableFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store embedded on each Pi: one file per entry in one directory, named by the entry's SHA-256
 * in 64 lower-case hex digits ({@code DATA-DIR/capsules/} on an appliance). A name is always made
 * from a parsed {@link ContentAddress}, never from a string a peer sent, so no path can leave the
 * directory. Entries are written to a temporary file, fsynced and renamed into place: a crash leaves
 * the old entry or the whole new one. Two puts of the same bytes, even at once, are one file; a put
 * over a damaged file repairs it.
 *
 * <p>{@link #get} hashes what it reads: a file that does not match its name (disk damage, an edit by
 * hand) is refused with a {@link CorruptCapsuleException}, logged and counted in
 * {@value #CORRUPT_METRIC}; it stays where it is until a put of the right bytes replaces it.
 */
public final class FileCapsuleStore implements CapsuleStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileCapsuleStore.class);
    /** Where an appliance keeps its store, under its data directory. */
    public static final String DIR = "capsules";
    public static final String CORRUPT_METRIC = "capsule.store.corrupt";

    private final Path dir;
    private final long maxBytes;
    private final Counter corrupt;

    private FileCapsuleStore(Path dir, long maxBytes, MeterRegistry registry) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.corrupt = registry.counter(CORRUPT_METRIC);
    }

    /**
     * The store in {@code dir} (made if missing), holding entries of at most {@code maxBytes}
     * (capsule files within {@code CapsuleLimits.DEFAULT}: {@link #open(Path, MeterRegistry)}).
     */
    public static FileCapsuleStore open(Path dir, long maxBytes, MeterRegistry registry) throws IOException {
        if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an entry is 1 to " + (Integer.MAX_VALUE - 8) + " bytes at most, got " + maxBytes);
        }
        return new FileCapsuleStore(Files.createDirectories(dir), maxBytes, Objects.requireNonNull(registry, "registry"));
    }

    public static FileCapsuleStore open(Path dir, MeterRegistry registry) throws IOException {
        return open(dir, CapsuleLimits.DEFAULT.maxFileBytes(), registry);
    }

    public Path directory() {
        return dir;
    }

    /** The file of {@code address}: its hex digest, in the store's directory. */
    public Path file(ContentAddress address) {
        return dir.resolve(address.hex());
    }

    @Override
    public ContentAddress put(byte[] bytes) throws IOException {
        if (bytes.length > maxBytes) {
            throw new IOException("an entry of " + bytes.length + " bytes: this store takes " + maxBytes + " at most");
        }
        ContentAddress address = ContentAddress.of(bytes);
        Path file = file(address);
        if (Files.isRegularFile(file)) {
            String actual = Files.size(file) == bytes.length ? Sha256.hex(file) : "(" + Files.size(file) + " bytes)";
            if (actual.equals(address.hex())) {
                return address; // already here, intact
            }
            LOG.warn("capsule store: {} was damaged (SHA-256 {}): replacing it with the bytes put now", file, actual);
        }
        DurableFiles.write(file, CapsuleFile.MODE, List.of(ByteBuffer.wrap(bytes)));
        return address;
    }

    @Override
    public Optional<byte[]> get(ContentAddress address) throws IOException {
        Path file = file(address);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        long size = Files.size(file);
        if (size > maxBytes) {
            throw corrupt(file, address, "(" + size + " bytes, more than this store holds)");
        }
        byte[] bytes = Files.readAllBytes(file);
        ContentAddress actual = ContentAddress.of(bytes);
        if (!actual.equals(address)) {
            throw corrupt(file, address, actual.hex());
        }
        return Optional.of(bytes);
    }

    private CorruptCapsuleException corrupt(Path file, ContentAddress address, String actual) {
        corrupt.increment();
        CorruptCapsuleException e = new CorruptCapsuleException(file.toString(), address, actual);
        LOG.warn("capsule store: {}", e.getMessage());
        return e;
    }

    @Override
    public boolean has(ContentAddress address) {
        return Files.isRegularFile(file(address));
    }

    /** The entries' names that are 64 lower-case hex digits; temporary and foreign files are skipped. */
    @Override
    public List<ContentAddress> list() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).filter(ContentAddress::isHex)
                    .map(ContentAddress::parse).sorted().toList();
        }
    }

    @Override
    public String toString() {
        return "capsule store " + dir;
    }
}
