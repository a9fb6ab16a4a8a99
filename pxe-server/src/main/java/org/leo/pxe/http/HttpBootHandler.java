package org.leo.pxe.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.Protocol;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.boot.manifest.BootPath;
import org.leo.boot.manifest.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection of the HTTP boot server. Requests are answered strictly one after the other
 * (pipelined requests wait in a bounded queue), each through {@link BootFiles#open} on the worker
 * pool. The body goes out through {@link BodyWriter} (zero-copy slices of the snapshot); when it
 * completes or the connection fails, the digest of exactly the bytes the socket took goes to
 * {@link BootFiles#finished}, hashed on the worker pool. Request bodies are read and discarded.
 */
final class HttpBootHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpBootHandler.class);
    /** Longest error text sent: a short human sentence, never a dump. */
    static final int MAX_ERROR_TEXT = 300;
    private static final String EMPTY_SHA256 = Sha256.hex(new byte[0]);

    private final HttpBootConfig cfg;
    private final BootFiles files;
    private final Executor workers;
    private final HttpBootMetrics metrics;
    private final ArrayDeque<HttpRequest> queue = new ArrayDeque<>();
    private boolean busy;

    HttpBootHandler(HttpBootConfig cfg, BootFiles files, Executor workers, HttpBootMetrics metrics) {
        this.cfg = cfg;
        this.files = files;
        this.workers = workers;
        this.metrics = metrics;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                if (queue.size() >= cfg.maxPipelined()) {
                    metrics.pipelineOverflow.increment();
                    LOG.warn("HTTP {} queued more than {} requests; closing", ctx.channel().remoteAddress(), cfg.maxPipelined());
                    ctx.close();
                    return;
                }
                queue.add(req);
                if (!busy) {
                    next(ctx);
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            metrics.idleClosed.increment();
            LOG.info("HTTP {} idle for {} ms; closing", ctx.channel().remoteAddress(), cfg.idleTimeout().toMillis());
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        queue.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP {} connection error: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** Starts the next queued request, if any. Event loop only. */
    private void next(ChannelHandlerContext ctx) {
        HttpRequest req = queue.poll();
        if (req == null || !ctx.channel().isActive()) {
            busy = false;
            return;
        }
        busy = true;
        handle(ctx, req);
    }

    private void handle(ChannelHandlerContext ctx, HttpRequest req) {
        long start = System.nanoTime();
        DecoderResult dr = req.decoderResult();
        if (dr.isFailure()) {
            metrics.badRequests.increment();
            Throwable c = dr.cause();
            HttpResponseStatus status = c instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : c instanceof TooLongHttpHeaderException ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : HttpResponseStatus.BAD_REQUEST;
            String why = c instanceof TooLongFrameException ? "request line or headers too long" : "malformed request";
            LOG.info("HTTP {} {}: {}", ctx.channel().remoteAddress(), status.code(), why);
            sendError(ctx, status, why, false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpMethod method = req.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            sendError(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET and HEAD", keepAlive);
            return;
        }
        String path;
        try {
            path = RequestTarget.bootPath(req.uri());
        } catch (RequestTarget.BadTargetException e) {
            metrics.badRequests.increment();
            sendError(ctx, HttpResponseStatus.BAD_REQUEST, e.getMessage(), keepAlive);
            return;
        }
        BootRequest request = new BootRequest(Protocol.HTTP, (InetSocketAddress) ctx.channel().remoteAddress(), path);
        String range = req.headers().get(HttpHeaderNames.RANGE);
        boolean head = method.equals(HttpMethod.HEAD);
        try {
            workers.execute(() -> open(ctx, request, range, head, keepAlive, start));
        } catch (RejectedExecutionException e) {
            ctx.close();
        }
    }

    /** Worker thread: asks the policy, then hands the answer back to the event loop. */
    private void open(ChannelHandlerContext ctx, BootRequest request, String range, boolean head, boolean keepAlive, long start) {
        ServedFile file;
        try {
            file = files.open(request);
        } catch (BootRefusal r) {
            onLoop(ctx, () -> sendError(ctx, HttpResponseStatus.valueOf(r.reason().httpStatus()), r.getMessage(), keepAlive), null);
            return;
        } catch (RuntimeException e) {
            LOG.error("HTTP {} {}: boot file policy failed", request.client(), BootPath.printable(request.path()), e);
            onLoop(ctx, () -> sendError(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", false), null);
            return;
        }
        onLoop(ctx, () -> sendFile(ctx, request, file, range, head, keepAlive, start),
                () -> finish(request, file, file.view(), 0, false, start, "server shutting down", java.util.Optional.empty()));
    }

    private static void onLoop(ChannelHandlerContext ctx, Runnable task, Runnable ifRejected) {
        try {
            ctx.executor().execute(task);
        } catch (RejectedExecutionException e) {
            if (ifRejected != null) {
                ifRejected.run();
            }
        }
    }

    private void sendFile(ChannelHandlerContext ctx, BootRequest request, ServedFile file, String rangeHeader, boolean head,
                          boolean keepAlive, long start) {
        if (!ctx.channel().isActive()) {
            finish(request, file, file.view(), 0, false, start, "connection closed before the response", java.util.Optional.empty());
            busy = false;
            return;
        }
        long size = file.size();
        ByteRange range = ByteRange.parse(rangeHeader, size);
        if (range.kind() == ByteRange.Kind.UNSATISFIABLE) {
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
            resp.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + size);
            resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            finish(request, file, file.view(), 0, false, start, "range not satisfiable: " + BootPath.printable(rangeHeader), java.util.Optional.empty());
            write(ctx, resp, keepAlive);
            return;
        }
        boolean partial = range.kind() == ByteRange.Kind.PARTIAL;
        HttpResponse resp = new DefaultHttpResponse(HttpVersion.HTTP_1_1, partial ? HttpResponseStatus.PARTIAL_CONTENT : HttpResponseStatus.OK);
        long length = partial ? range.length() : size;
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        resp.headers().set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, file.generated() ? "text/plain; charset=us-ascii" : "application/octet-stream");
        if (file.generated()) {
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        } else {
            resp.headers().set(HttpHeaderNames.ETAG, "\"" + file.sha256Hex() + "\"");
        }
        if (partial) {
            resp.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes " + range.first() + "-" + range.last() + "/" + size);
        }
        HttpUtil.setKeepAlive(resp, keepAlive);
        metrics.response(resp.status().code());
        ByteBuffer body = file.view();
        if (partial) {
            body.limit((int) (range.last() + 1)).position((int) range.first());
            body = body.slice();
        }
        java.util.Optional<org.leo.boot.events.SentRange> sentRange = partial
                ? java.util.Optional.of(new org.leo.boot.events.SentRange(range.first(), range.last(), size)) : java.util.Optional.empty();
        String note = sentRange.map(Object::toString).orElse("");
        ctx.write(resp);
        if (head) {
            ByteBuffer empty = body;
            ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) f -> {
                finish(request, file, empty, 0, false, start, "HEAD", java.util.Optional.empty());
                afterResponse(ctx, f.isSuccess() && keepAlive);
            });
            return;
        }
        ByteBuffer sent = body;
        new BodyWriter(ctx, body, metrics, (written, complete) -> {
            finish(request, file, sent, written, complete, start, complete ? note
                    : (note.isEmpty() ? "" : note + ", ") + "connection closed after " + written + " of " + sent.remaining() + " bytes", sentRange);
            if (!complete) {
                ctx.close();
            }
            afterResponse(ctx, complete && keepAlive);
        }).write();
    }

    /** Hashes the first {@code sent} bytes of {@code body} and reports the transfer, off the event loop. */
    private void finish(BootRequest request, ServedFile file, ByteBuffer body, long sent, boolean complete, long start, String note,
                        java.util.Optional<org.leo.boot.events.SentRange> sentRange) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        Runnable report = () -> {
            try {
                ByteBuffer b = body.duplicate();
                b.limit(b.position() + (int) sent);
                String sha = sent == 0 ? EMPTY_SHA256 : Sha256.hex(b);
                files.finished(request, file, new TransferResult(sent, sha, complete, elapsed, note, sentRange));
            } catch (RuntimeException e) {
                LOG.error("HTTP {} {}: reporting the transfer failed", request.client(), file.name(), e);
            }
        };
        try {
            workers.execute(report);
        } catch (RejectedExecutionException e) {
            report.run();
        }
    }

    private void afterResponse(ChannelHandlerContext ctx, boolean keepOpen) {
        if (keepOpen) {
            next(ctx);
        } else {
            busy = false;
            ctx.close();
        }
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse resp, boolean keepAlive) {
        HttpUtil.setKeepAlive(resp, keepAlive);
        metrics.response(resp.status().code());
        ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> afterResponse(ctx, f.isSuccess() && keepAlive));
    }

    /** The refusal messages are already escaped; this only guarantees one printable ASCII line of bounded length. */
    private static String asciiLine(String message) {
        StringBuilder sb = new StringBuilder(Math.min(message.length(), MAX_ERROR_TEXT));
        for (int i = 0; i < message.length() && i < MAX_ERROR_TEXT; i++) {
            char c = message.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }

    private void sendError(ChannelHandlerContext ctx, HttpResponseStatus status, String message, boolean keepAlive) {
        byte[] text = (status.code() + " " + status.reasonPhrase() + ": " + asciiLine(message) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(text));
        resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=us-ascii");
        resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, text.length);
        if (status.equals(HttpResponseStatus.METHOD_NOT_ALLOWED)) {
            resp.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        }
        write(ctx, resp, keepAlive);
    }
}
