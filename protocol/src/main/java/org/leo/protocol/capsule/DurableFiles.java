package org.leo.protocol.capsule;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;

/**
 * Whole files written so that a crash leaves the old file or the new one, never a part: a temporary
 * file beside the target (mode 0600 from its first byte), written, fsynced, given its mode, then
 * renamed into place (or hard-linked, when an existing file must not be replaced), and the directory
 * fsynced.
 */
public final class DurableFiles {
    /** Temporary files start with this, so that directory listings can skip them. */
    public static final String TEMP_PREFIX = ".tmp-";

    private DurableFiles() {
    }

    /** Writes {@code parts} (each from its position to its limit) to {@code target}, replacing any file there. */
    public static void write(Path target, Set<PosixFilePermission> mode, List<ByteBuffer> parts) throws IOException {
        write(target, mode, parts, true);
    }

    /** As {@link #write}, but a FileAlreadyExistsException if {@code target} exists (checked atomically). */
    public static void create(Path target, Set<PosixFilePermission> mode, List<ByteBuffer> parts) throws IOException {
        write(target, mode, parts, false);
    }

    private static void write(Path target, Set<PosixFilePermission> mode, List<ByteBuffer> parts, boolean replace) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (!replace && Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        Path tmp = Files.createTempFile(dir, TEMP_PREFIX, "");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                for (ByteBuffer part : parts) {
                    ByteBuffer b = part.duplicate();
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode);
            if (replace) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.createLink(target, tmp); // link(2) refuses an existing target
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        syncDirectory(dir);
    }

    /** fsync of a directory, so that a rename in it survives a crash (a no-op where the OS refuses it). */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be opened for fsync; the rename itself is atomic
        }
    }
}
