package org.leo.pxe.manifest;

import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.Sha256;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRefusal.Reason;

/**
 * Immutable in-memory snapshots of manifest artifacts. A snapshot is read into a direct buffer,
 * hashed from that same buffer and kept only if size and digest match the manifest, so the bytes
 * served are the bytes hashed (no check-then-read race). It is reused while the file's stamp
 * (size, mtime, ctime, inode) is unchanged; any change triggers a reload and a new check. A file
 * that fails the check is remembered by its stamp (negative entry) so a bad file is not re-read
 * on every request, and is refused until it changes again.
 */
final class SnapshotStore {
    /** What identifies one version of a file on disk. {@code fileKey} is (dev, inode) on Linux. */
    record FileStamp(long size, Object mtime, Object ctime, Object fileKey, boolean regular) {
    }

    /** A loaded snapshot; {@code content} is null when the file did not match ({@code problem} says why). */
    record Snapshot(Path real, FileStamp stamp, ByteBuffer content, String problem) {
    }

    private final Path realRoot;
    private final Map<String, Snapshot> cache = new ConcurrentHashMap<>();
    private final Counter loads;
    private final Counter hits;

    SnapshotStore(Path realRoot, MeterRegistry registry) {
        this.realRoot = realRoot;
        this.loads = registry.counter("leo.boot.snapshot.loads");
        this.hits = registry.counter("leo.boot.snapshot.hits");
    }

    /** The verified bytes of {@code entry}, read-only, or a refusal. */
    ByteBuffer get(ManifestEntry entry) throws BootRefusal {
        Path real = resolve(entry.path());
        FileStamp stamp = stamp(real, entry.path());
        if (!stamp.regular()) {
            throw new BootRefusal(Reason.ACCESS_VIOLATION, entry.path() + ": not a regular file");
        }
        Snapshot cached = cache.get(entry.path());
        if (cached == null || !cached.real().equals(real) || !cached.stamp().equals(stamp)) {
            synchronized (this) {
                cached = cache.get(entry.path());
                if (cached == null || !cached.real().equals(real) || !cached.stamp().equals(stamp)) {
                    cached = load(entry, real, stamp);
                    cache.put(entry.path(), cached);
                } else {
                    hits.increment();
                }
            }
        } else {
            hits.increment();
        }
        if (cached.content() == null) {
            throw new BootRefusal(Reason.DIGEST_MISMATCH, entry.path() + ": " + cached.problem());
        }
        return cached.content().duplicate();
    }

    /** True when something (of any type) exists at {@code name} inside the root. */
    boolean existsOnDisk(String name) {
        return Files.exists(realRoot.resolve(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** The real path of {@code name}, refusing anything that resolves outside the root. */
    private Path resolve(String name) throws BootRefusal {
        Path real;
        try {
            real = realRoot.resolve(name).toRealPath();
        } catch (NoSuchFileException e) {
            if (Files.isSymbolicLink(realRoot.resolve(name))) {
                throw new BootRefusal(Reason.ACCESS_VIOLATION, name + ": dangling symlink");
            }
            throw new BootRefusal(Reason.NOT_FOUND, name + ": listed in the manifest but missing from the boot root");
        } catch (IOException e) {
            throw new BootRefusal(Reason.ACCESS_VIOLATION, name + ": cannot be resolved (" + e.getClass().getSimpleName() + ")");
        }
        if (!real.startsWith(realRoot)) {
            throw new BootRefusal(Reason.ACCESS_VIOLATION, name + ": resolves outside the boot root");
        }
        return real;
    }

    private static FileStamp stamp(Path real, String name) throws BootRefusal {
        try {
            Map<String, Object> a;
            try {
                a = Files.readAttributes(real, "unix:size,lastModifiedTime,ctime,fileKey,isRegularFile", LinkOption.NOFOLLOW_LINKS);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                a = Files.readAttributes(real, "size,lastModifiedTime,fileKey,isRegularFile", LinkOption.NOFOLLOW_LINKS);
            }
            return new FileStamp((Long) a.get("size"), a.get("lastModifiedTime"), a.get("ctime"), a.get("fileKey"),
                    Boolean.TRUE.equals(a.get("isRegularFile")));
        } catch (IOException e) {
            throw new BootRefusal(Reason.NOT_FOUND, name + ": cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }

    private Snapshot load(ManifestEntry entry, Path real, FileStamp stamp) throws BootRefusal {
        loads.increment();
        if (stamp.size() != entry.size()) {
            return new Snapshot(real, stamp, null, "size " + stamp.size() + " on disk, manifest says " + entry.size());
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) entry.size());
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    return new Snapshot(real, stamp, null, "file shrank while being read");
                }
            }
        } catch (FileSystemException e) {
            throw new BootRefusal(Reason.ACCESS_VIOLATION, entry.path() + ": cannot be opened (" + e.getClass().getSimpleName() + ")");
        } catch (IOException e) {
            throw new BootRefusal(Reason.NOT_FOUND, entry.path() + ": read failed (" + e.getClass().getSimpleName() + ")");
        }
        buf.flip();
        String sha = Sha256.hex(buf);
        if (!Objects.equals(sha, entry.sha256Hex())) {
            return new Snapshot(real, stamp, null, "sha256 " + sha + " on disk, manifest says " + entry.sha256Hex());
        }
        return new Snapshot(real, stamp, buf.asReadOnlyBuffer(), "");
    }
}
