package org.leo.pxe.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.ByteBuffer;

/**
 * Writes one response body as read-only slices of the verified snapshot, wrapped without copying
 * ({@link Unpooled#wrappedBuffer(ByteBuffer)}), in chunks of {@link #CHUNK} bytes. Each chunk's
 * write future completes when the socket took all of it, so the count of bytes sent is exact to
 * a chunk when the client goes away early. Event loop only.
 */
final class BodyWriter {
    /** Write granularity: fine enough to report how far an aborted transfer got, coarse enough to be cheap. */
    static final int CHUNK = 256 * 1024;

    /** Called once: how many leading bytes of the body the socket took, and whether that is all of it. */
    @FunctionalInterface
    interface Done {
        void ended(long written, boolean complete);
    }

    private final ChannelHandlerContext ctx;
    private final ByteBuffer body;
    private final HttpBootMetrics metrics;
    private final Done done;
    private long written;
    private boolean ended;

    BodyWriter(ChannelHandlerContext ctx, ByteBuffer body, HttpBootMetrics metrics, Done done) {
        this.ctx = ctx;
        this.body = body;
        this.metrics = metrics;
        this.done = done;
    }

    void write() {
        int total = body.remaining();
        if (total == 0) {
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) f -> end(f.isSuccess()));
            return;
        }
        for (int off = 0; off < total; off += CHUNK) {
            int len = Math.min(CHUNK, total - off);
            ByteBuffer slice = body.duplicate();
            slice.limit(slice.position() + off + len).position(slice.position() + off);
            ByteBuf buf = Unpooled.wrappedBuffer(slice.slice());
            boolean last = off + len == total;
            HttpContent content = last ? new DefaultLastHttpContent(buf) : new DefaultHttpContent(buf);
            ctx.write(content).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    written += len;
                    metrics.bytesSent.increment(len);
                    if (last) {
                        end(true);
                    }
                } else {
                    end(false);
                }
            });
        }
        ctx.flush();
    }

    private void end(boolean success) {
        if (ended) {
            return;
        }
        ended = true;
        done.ended(written, success && written == body.remaining());
    }
}
