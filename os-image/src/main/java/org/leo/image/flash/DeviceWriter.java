package org.leo.image.flash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Copies the image onto the device from its first byte, in {@value #CHUNK_BYTES}-byte writes through the page cache,
 * then {@code fsync(2)}s the device ({@link FileChannel#force}): for a block device that writes every dirty page out
 * and sends the device a cache flush, so what the read-back sees next is what the card holds. The target is opened
 * for writing only, never created or truncated (a regular file under {@code --force-file} keeps its size, as a
 * device would).
 */
public final class DeviceWriter {
    static final int CHUNK_BYTES = 4 << 20;

    private DeviceWriter() {
    }

    /** Writes {@code length} bytes of {@code image} to {@code target}, syncs, and returns the nanoseconds it took. */
    public static long write(Path image, Path target, long length, Progress progress) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_BYTES);
        long done = 0;
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            while (done < length) {
                buf.clear();
                buf.limit((int) Math.min(CHUNK_BYTES, length - done));
                while (buf.hasRemaining()) {
                    if (in.read(buf, done + buf.position()) < 0) {
                        throw new IOException("the image " + image + " ended at " + (done + buf.position()) + " bytes, before " + length);
                    }
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    out.write(buf, done + buf.position());
                }
                done += buf.limit();
                progress.update(done);
            }
            out.force(true);
        }
        return progress.done(done);
    }
}
