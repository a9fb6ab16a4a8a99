package org.leo.pxe.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.net.NativeSockets;
import org.leo.pxe.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 boot server (RFC 9110, RFC 9112): GET and HEAD of boot files through
 * {@link BootFiles}, single byte ranges (206/416), keep-alive, zero-copy bodies sliced from the
 * verified snapshot. Runs on a shared event loop group; {@link BootFiles#open} and
 * {@link BootFiles#finished} (disk reads, hashing, event-log commits) run on a small worker pool
 * of its own so the event loop never blocks.
 */
public final class HttpBootServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpBootServer.class);
    /** Worker threads for open/finished: the Pi has 4 cores and serves one HPC. */
    static final int WORKER_THREADS = 2;

    private final HttpBootConfig cfg;
    private final BootFiles files;
    private final EventLoopGroup group;
    private final Transport transport;
    private final HttpBootMetrics metrics;
    private final ExecutorService workers;
    private final ChannelGroup channels = new DefaultChannelGroup("http-boot", GlobalEventExecutor.INSTANCE);
    private Channel serverChannel;

    public HttpBootServer(HttpBootConfig cfg, BootFiles files, EventLoopGroup group, Transport transport, MeterRegistry registry) {
        this.cfg = cfg;
        this.files = files;
        this.group = group;
        this.transport = transport;
        this.metrics = new HttpBootMetrics(registry);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(WORKER_THREADS, r -> {
            Thread t = new Thread(r, "http-boot-worker-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Binds and returns the bound address (the real port when {@code cfg.bind()} has port 0). */
    public synchronized InetSocketAddress start() throws InterruptedException {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(cfg.maxInitialLineLength())
                .setMaxHeaderSize(cfg.maxHeaderSize())
                .setMaxChunkSize(8192);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channelFactory(this::newServerChannel)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        metrics.connections.increment();
                        ch.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, cfg.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                .addLast("codec", new HttpServerCodec(decoder))
                                .addLast("boot", new HttpBootHandler(cfg, files, workers, metrics));
                    }
                });
        serverChannel = b.bind(cfg.bind()).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("HTTP boot server listening on {}{} ({})", bound, cfg.bindInterface().map(i -> " dev " + i).orElse(""), transport);
        return bound;
    }

    /** A listening socket of the transport, bound to {@link HttpBootConfig#bindInterface()} when one is set. */
    private ServerChannel newServerChannel() {
        ServerChannel ch;
        try {
            ch = transport.serverSocketChannel().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make a " + transport.serverSocketChannel().getSimpleName(), e);
        }
        if (cfg.bindInterface().isPresent()) {
            try {
                NativeSockets.bindToDevice(ch, cfg.bindInterface().get());
            } catch (IOException e) {
                ch.unsafe().closeForcibly();
                throw new UncheckedIOException(e);
            }
        }
        return ch;
    }

    /** Stops listening, closes every connection (their transfers end incomplete) and stops the workers. */
    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        channels.close().syncUninterruptibly();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("HTTP boot workers did not finish within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
