package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * SHA-256 of executables, cached by the identity of the file ({@code st_dev}, {@code st_ino},
 * {@code st_size}, {@code st_mtime}, {@code st_ctime}): hundreds of processes share a handful of
 * binaries, and a replaced or rewritten binary has a new inode or a new ctime (which, unlike the
 * mtime, cannot be set back). The digest is taken through {@code /proc/<pid>/exe}, so it is of
 * the file the process runs, even if deleted or shadowed by a mount.
 *
 * <p>Not thread-safe; one per {@link OsCollector}.
 */
final class ExeDigestCache {
    /** Most cached digests; the oldest are evicted first. */
    static final int MAX_ENTRIES = 4096;
    /** Largest executable hashed (a static HPC binary can be hundreds of MiB); larger: no digest. */
    static final long MAX_EXE_BYTES = 1L << 30;

    private record Key(Object dev, Object ino, Object size, Object mtime, Object ctime) {
    }

    private final Map<Key, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, byte[]> eldest) {
            return size() > MAX_ENTRIES;
        }
    };
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    private final MessageDigest md = Digests.sha256();
    private long hashed;

    /** The digest of the file {@code exeLink} resolves to, or empty if it cannot be read. */
    Optional<byte[]> digest(Path exeLink) {
        Key key;
        try {
            Map<String, Object> a = Files.readAttributes(exeLink, "unix:dev,ino,size,lastModifiedTime,ctime");
            key = new Key(a.get("dev"), a.get("ino"), a.get("size"), a.get("lastModifiedTime"), a.get("ctime"));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
        byte[] d = cache.get(key);
        if (d == null) {
            long size = (Long) key.size();
            if (size > MAX_EXE_BYTES) {
                return Optional.empty();
            }
            d = hash(exeLink, size);
            if (d == null) {
                return Optional.empty();
            }
            cache.put(key, d);
        }
        return Optional.of(d.clone());
    }

    /** Bytes hashed so far (a cache hit hashes nothing): for tests and metrics. */
    long bytesHashed() {
        return hashed;
    }

    private byte[] hash(Path file, long size) {
        md.reset();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            hashed += Digests.update(md, ch, buffer, size);
        } catch (IOException | SecurityException e) {
            return null;
        }
        return md.digest();
    }
}
