package org.leo.attest.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.leo.protocol.attest.v1.TaskFileChunk;

/**
 * Streams one task file to the agent with gRPC's flow control: a chunk of {@link TaskDispatch#CHUNK_BYTES}
 * is read and sent only while the transport is ready, so a slow or stalled agent holds one chunk of the
 * Pi's memory, not the file. A file that is not the size the assignment named (changed since) ends the
 * call with UNAVAILABLE; the agent checks size and SHA-256 itself in any case.
 */
final class TaskFileSender {
    private final TaskDispatch.TaskFileSource src;
    private final ServerCallStreamObserver<TaskFileChunk> out;
    private FileChannel file;
    private long sent;
    private boolean done;

    TaskFileSender(TaskDispatch.TaskFileSource src, ServerCallStreamObserver<TaskFileChunk> out) {
        this.src = src;
        this.out = out;
    }

    void start() {
        try {
            file = FileChannel.open(src.path(), StandardOpenOption.READ);
        } catch (IOException e) {
            out.onError(Status.UNAVAILABLE.withDescription("the task file cannot be read: " + e.getMessage()).asRuntimeException());
            return;
        }
        out.setOnCancelHandler(this::close);
        out.setOnReadyHandler(this::pump);
    }

    private synchronized void pump() {
        try {
            while (!done && out.isReady()) {
                ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(TaskDispatch.CHUNK_BYTES, Math.max(1, src.size() - sent)));
                int n = file.read(chunk);
                if (n < 0) {
                    finish(sent == src.size() ? null : "the task file has " + sent + " bytes, " + src.size() + " were named");
                    return;
                }
                if (sent + n > src.size()) {
                    finish("the task file is longer than the " + src.size() + " bytes named");
                    return;
                }
                sent += n;
                out.onNext(TaskFileChunk.newBuilder().setData(ByteString.copyFrom(chunk.flip())).build());
            }
        } catch (IOException | RuntimeException e) {
            finish("the task file cannot be read: " + e.getMessage());
        }
    }

    private void finish(String problem) {
        done = true;
        close();
        if (problem == null) {
            out.onCompleted();
        } else {
            out.onError(Status.UNAVAILABLE.withDescription(problem).asRuntimeException());
        }
    }

    private synchronized void close() {
        done = true;
        try {
            file.close();
        } catch (IOException ignored) {
            // a read-only file
        }
    }
}
