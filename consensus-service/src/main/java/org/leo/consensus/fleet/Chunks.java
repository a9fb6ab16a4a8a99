package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import org.leo.protocol.consensus.v1.CapsuleChunk;

/**
 * The chunked streams of FetchCapsule, FetchResult and FetchImage: the sender cuts the bytes into chunks of at most
 * {@link TaskLimits#CAPSULE_CHUNK_BYTES}, the first with the total; the receiver refuses a chunk over that cap and a
 * transfer over its own cap as the chunks come (it never holds more than its cap), whatever the announced total says.
 */
final class Chunks {
    private Chunks() {
    }

    /** Sends {@code b} (at least one chunk, also for no bytes) and completes. */
    static void send(byte[] b, StreamObserver<CapsuleChunk> out) {
        int off = 0;
        do {
            int n = Math.min(TaskLimits.CAPSULE_CHUNK_BYTES, b.length - off);
            CapsuleChunk.Builder c = CapsuleChunk.newBuilder().setData(ByteString.copyFrom(b, off, n));
            if (off == 0) {
                c.setTotalBytes(b.length);
            }
            out.onNext(c.build());
            off += n;
        } while (off < b.length);
        out.onCompleted();
    }

    /** Sends the file {@code f}, read as it goes (an image archive is not held in memory), and completes. */
    static void send(Path f, StreamObserver<CapsuleChunk> out) throws IOException {
        long total = Files.size(f);
        byte[] buf = new byte[TaskLimits.CAPSULE_CHUNK_BYTES];
        try (InputStream in = Files.newInputStream(f)) {
            boolean first = true;
            for (int n = in.readNBytes(buf, 0, buf.length); first || n > 0; n = in.readNBytes(buf, 0, buf.length)) {
                CapsuleChunk.Builder c = CapsuleChunk.newBuilder().setData(ByteString.copyFrom(buf, 0, n));
                if (first) {
                    c.setTotalBytes(total);
                    first = false;
                }
                out.onNext(c.build());
            }
        }
        out.onCompleted();
    }

    /**
     * Writes the chunks to {@code to} up to {@code maxBytes}; empty if all came within the caps, else why not (the caller
     * discards what was written).
     */
    static Optional<String> receive(Iterator<CapsuleChunk> chunks, long maxBytes, OutputStream to) throws IOException {
        long got = 0;
        while (chunks.hasNext()) {
            CapsuleChunk c = chunks.next();
            Optional<String> over = TaskLimits.problem(c);
            if (over.isPresent()) {
                return over;
            }
            if (got + c.getData().size() > maxBytes || c.getTotalBytes() > maxBytes) {
                return Optional.of("more than the " + maxBytes + " bytes this Pi takes");
            }
            c.getData().writeTo(to);
            got += c.getData().size();
        }
        return Optional.empty();
    }

    /** The bytes of a transfer within {@code maxBytes}, or an IllegalStateException with why not. */
    static byte[] receive(Iterator<CapsuleChunk> chunks, long maxBytes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Optional<String> refused = receive(chunks, maxBytes, b);
        if (refused.isPresent()) {
            throw new IllegalStateException(refused.get());
        }
        return b.toByteArray();
    }

    /** Counts and logs a refused stream request ({@code reason}, {@code message}) and ends the stream with {@code status}. */
    static void refuse(Refusals refusals, String who, String reason, String message, io.grpc.Status status, String description,
                       StreamObserver<CapsuleChunk> out) {
        refusals.refused(reason, who, message);
        out.onError(status.withDescription(description).asRuntimeException());
    }
}
