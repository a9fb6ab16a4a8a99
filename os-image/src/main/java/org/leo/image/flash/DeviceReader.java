package org.leo.image.flash;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.leo.boot.manifest.Sha256;

/**
 * Reads the first {@code length} bytes of a device back and hashes them, from the device and not from the page cache
 * that the write just filled (reading that would prove nothing): with {@code O_DIRECT} (Java's
 * {@link ExtendedOpenOption#DIRECT}: aligned buffers and offsets, whole blocks; the bytes past {@code length} in the
 * last block are read and not hashed), and, where the file system refuses O_DIRECT (tmpfs, for a {@code --force-file}
 * target), after dropping the file's clean cached pages with {@code posix_fadvise(POSIX_FADV_DONTNEED)}. Which of the
 * two was used is part of the result. For a loop device "the device" is its backing file as the loop driver reads it.
 */
public final class DeviceReader {
    static final int CHUNK_BYTES = 4 << 20;

    /** The digest of the bytes read back, and how they were read. */
    public record ReadBack(String sha256Hex, long bytes, long nanos, String method) { }

    private DeviceReader() {
    }

    public static ReadBack sha256(Path device, long length, Progress progress) throws IOException {
        FileChannel direct;
        int alignment;
        try {
            alignment = Math.toIntExact(Files.getFileStore(device).getBlockSize());
            if (alignment <= 0 || CHUNK_BYTES % alignment != 0) {
                throw new IOException("block size " + alignment + " does not divide " + CHUNK_BYTES);
            }
            direct = FileChannel.open(device, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
        } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
            LinuxIo.dropCache(device);
            try (FileChannel buffered = FileChannel.open(device, StandardOpenOption.READ)) {
                return read(buffered, device, ByteBuffer.allocateDirect(CHUNK_BYTES), length, progress,
                        "posix_fadvise(DONTNEED), then buffered reads (O_DIRECT refused: " + e.getMessage() + ")");
            }
        }
        try (direct) {
            ByteBuffer aligned = ByteBuffer.allocateDirect(CHUNK_BYTES + alignment).alignedSlice(alignment);
            return read(direct, device, aligned, length, progress, "O_DIRECT");
        }
    }

    /** Reads whole chunks at chunk-aligned offsets (as O_DIRECT needs) and hashes the first {@code length} bytes. */
    private static ReadBack read(FileChannel ch, Path device, ByteBuffer buf, long length, Progress progress, String method) throws IOException {
        MessageDigest md = Sha256.newDigest();
        long done = 0;
        while (done < length) {
            buf.clear();
            buf.limit(CHUNK_BYTES);
            int n = ch.read(buf, done);
            if (n <= 0) {
                throw new IOException(device + " ended at " + done + " bytes, before the image's " + length);
            }
            buf.flip();
            buf.limit((int) Math.min(n, length - done));
            done += buf.remaining();
            md.update(buf);
            progress.update(done);
        }
        long nanos = progress.done(done);
        return new ReadBack(HexFormat.of().formatHex(md.digest()), done, nanos, method);
    }
}
