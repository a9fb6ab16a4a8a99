package org.leo.pxe.tftp;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.Protocol;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.pxe.net.NativeSockets;
import org.leo.pxe.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A read-only TFTP server (RFC 1350, options RFC 2347/2348/2349/7440) serving what
 * {@link BootFiles} clears. The well-known socket only answers requests; each accepted RRQ gets a
 * {@link TftpTransfer} on a new socket bound to {@link TftpConfig#bindAddress()} with an ephemeral
 * port, registered on the shared event loop group.
 *
 * <p>{@link BootFiles#open} and {@link BootFiles#finished} may block (file hashing, the boot event
 * log), so they run on two policy threads of this server, never on an event loop.
 */
public final class TftpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TftpServer.class);
    /**
     * Receive buffer of the well-known socket: one byte more than the longest request we parse, so
     * a longer datagram arrives truncated to a length the codec rejects as oversize.
     */
    private static final int REQUEST_RECEIVE_BUFFER = TftpCodec.MAX_REQUEST_LENGTH + 1;
    /** Receive buffer of a transfer socket: ACKs are 4 bytes, a client's ERROR text is short. */
    private static final int TRANSFER_RECEIVE_BUFFER = 2048;
    /** Threads calling BootFiles: open() may hash a file; two keep one slow open from stalling all. */
    private static final int POLICY_THREADS = 2;

    private final TftpConfig config;
    private final EventLoopGroup group;
    private final Transport transport;
    private final Shared shared;
    private final TransferSlots slots;
    private final Set<Channel> transferChannels = ConcurrentHashMap.newKeySet();
    private volatile Channel serverChannel;
    private volatile boolean closed;

    public TftpServer(TftpConfig config, BootFiles files, EventLoopGroup group, Transport transport,
                      MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.group = Objects.requireNonNull(group, "group");
        this.transport = Objects.requireNonNull(transport, "transport");
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService policy = Executors.newFixedThreadPool(POLICY_THREADS, r -> {
            Thread t = new Thread(r, "tftp-policy-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.slots = new TransferSlots(config.maxConcurrentTransfers(), config.maxTransfersPerClient());
        this.shared = new Shared(config, Objects.requireNonNull(files, "files"), new TftpMetrics(registry), policy,
                slots);
    }

    /** Binds the well-known socket; returns the bound address (with the real port when port 0 was asked). */
    public InetSocketAddress start() throws IOException {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        InetSocketAddress local = new InetSocketAddress(config.bindAddress(), config.port());
        ChannelFuture bind = new Bootstrap().group(group).channelFactory(this::newChannel)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(REQUEST_RECEIVE_BUFFER))
                .handler(new RequestHandler())
                .bind(local).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new IOException("TFTP cannot bind " + local + ": " + bind.cause(), bind.cause());
        }
        serverChannel = bind.channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        LOG.info("TFTP listening on {}{} (blksize<={}, windowsize<={}, timeout={} ms, retries={}, transfers<={}, per client<={})",
                describe(bound), config.bindInterface().map(i -> " dev " + i).orElse(""), config.maxBlksize(),
                config.maxWindowsize(), config.defaultTimeout().toMillis(), config.retries(), config.maxConcurrentTransfers(),
                config.maxTransfersPerClient());
        return bound;
    }

    /** Transfers currently running (accepted and not yet ended). */
    public int activeTransfers() {
        return slots.active();
    }

    /** Stops answering, ends every running transfer (reported incomplete) and stops the policy threads. */
    @Override
    public void close() {
        closed = true;
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().awaitUninterruptibly();
        }
        for (Channel transfer : transferChannels) {
            transfer.close().awaitUninterruptibly();
        }
        shared.policy.shutdown();
        try {
            if (!shared.policy.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("TFTP policy threads still busy after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A datagram socket of the bind address's family: an IPv4 address gets an AF_INET socket, not
     * Netty's default dual-stack AF_INET6 one, sparing the kernel's v4-mapped path on every packet.
     * With {@link TftpConfig#bindInterface()} it is bound to that device before it is bound to an
     * address (the well-known socket, every transfer socket and every error reply's socket alike).
     */
    private DatagramChannel newChannel() {
        SocketProtocolFamily family = config.bindAddress() instanceof Inet6Address
                ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        DatagramChannel ch = transport == Transport.EPOLL ? new EpollDatagramChannel(family) : new NioDatagramChannel(family);
        if (config.bindInterface().isPresent()) {
            try {
                NativeSockets.bindToDevice(ch, config.bindInterface().get());
            } catch (IOException e) {
                ch.unsafe().closeForcibly();
                throw new UncheckedIOException(e);
            }
        }
        return ch;
    }

    /** {@code ip:port} of a peer, for logs. */
    static String describe(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    private void sendError(Channel ch, InetSocketAddress to, TftpErrorCode code, String message) {
        ByteBuf error = TftpCodec.encode(ch.alloc(), new TftpError(code, message));
        ch.writeAndFlush(new DatagramPacket(error, to), ch.voidPromise());
    }

    /**
     * Denies a well-formed request from a new transfer identifier, as RFC 1350 section 4 has the
     * server answer a request (strict clients such as commons-net reject replies from port 69).
     */
    private void denyFromNewTid(InetSocketAddress to, TftpErrorCode code, String message) {
        new Bootstrap().group(group).channelFactory(this::newChannel)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ReferenceCountUtil.release(msg);
                    }
                })
                .bind(new InetSocketAddress(config.bindAddress(), 0))
                .addListener((ChannelFuture bound) -> {
                    if (!bound.isSuccess()) {
                        LOG.debug("TFTP {} cannot open a socket for an error reply: {}", describe(to),
                                bound.cause().toString());
                        return;
                    }
                    Channel ch = bound.channel();
                    ByteBuf error = TftpCodec.encode(ch.alloc(), new TftpError(code, message));
                    ch.writeAndFlush(new DatagramPacket(error, to)).addListener(ChannelFutureListener.CLOSE);
                });
    }

    /** Answers datagrams on the well-known port. */
    private final class RequestHandler extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
            InetSocketAddress client = packet.sender();
            TftpPacket decoded;
            try {
                decoded = TftpCodec.decode(packet.content());
            } catch (TftpDecodeException e) {
                shared.metrics.malformed.increment();
                LOG.debug("TFTP {} malformed request: {}", describe(client), e.getMessage());
                if (e.answerable()) {
                    ByteBuf in = packet.content();
                    int op = in.readableBytes() >= 2 ? in.getUnsignedShort(in.readerIndex()) : -1;
                    if (op == TftpOpcode.RRQ.code() || op == TftpOpcode.WRQ.code()) {
                        denyFromNewTid(client, e.errorCode(), e.getMessage());
                    } else {
                        sendError(ctx.channel(), client, e.errorCode(), e.getMessage());
                    }
                }
                return;
            }
            if (decoded instanceof TftpRequest request) {
                shared.metrics.requests.increment();
                if (request.opcode() == TftpOpcode.WRQ) {
                    shared.metrics.refused("write");
                    LOG.info("TFTP {} refused write of '{}': read-only server", describe(client),
                            TftpCodec.echo(request.filename()));
                    denyFromNewTid(client, TftpErrorCode.ACCESS_VIOLATION, "this server is read-only");
                } else {
                    read(client, request);
                }
                return;
            }
            ReferenceCountUtil.release(decoded);
            shared.metrics.malformed.increment();
            LOG.debug("TFTP {} sent {} to the request port", describe(client), decoded.opcode());
            if (!(decoded instanceof TftpError)) { // never answer an ERROR with an ERROR
                sendError(ctx.channel(), client, TftpErrorCode.ILLEGAL_OPERATION,
                        decoded.opcode() + " is not a request (RRQ or WRQ)");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("TFTP request socket: {}", cause.toString());
        }
    }

    private void read(InetSocketAddress client, TftpRequest request) {
        long startNanos = System.nanoTime();
        Optional<TransferSlots.Refusal> full = slots.acquire(client.getAddress());
        if (full.isPresent()) {
            shared.metrics.refused(full.get().tag);
            LOG.warn("TFTP {} refused '{}': {} ({} transfers running, {} from this address; limits {} and {})",
                    describe(client), TftpCodec.echo(request.filename()), full.get().message, slots.active(),
                    slots.activeFor(client.getAddress()), config.maxConcurrentTransfers(), config.maxTransfersPerClient());
            denyFromNewTid(client, TftpErrorCode.NOT_DEFINED, full.get().message);
            return;
        }
        try {
            shared.policy.execute(() -> open(client, request, startNanos));
        } catch (RejectedExecutionException e) {
            slots.release(client.getAddress()); // closing
        }
    }

    /** On a policy thread: asks BootFiles, then starts the transfer on a new socket. */
    private void open(InetSocketAddress client, TftpRequest request, long startNanos) {
        BootRequest bootRequest = new BootRequest(Protocol.TFTP, client, request.filename());
        ServedFile file;
        try {
            file = shared.files.open(bootRequest);
        } catch (BootRefusal refusal) {
            slots.release(client.getAddress());
            shared.metrics.refused(refusal.reason().name());
            LOG.info("TFTP {} refused '{}': {} {}", describe(client), TftpCodec.echo(request.filename()),
                    refusal.reason(), refusal.getMessage());
            denyFromNewTid(client, TftpErrorCode.valueOf(refusal.reason().tftpErrorCode()), refusal.getMessage());
            return;
        } catch (RuntimeException e) {
            slots.release(client.getAddress());
            shared.metrics.refused("internal");
            LOG.warn("TFTP {} '{}': BootFiles failed", describe(client), TftpCodec.echo(request.filename()), e);
            denyFromNewTid(client, TftpErrorCode.NOT_DEFINED, "internal error");
            return;
        }
        ByteBuffer content = file.view().slice();
        long size = request.mode() == TftpMode.NETASCII ? NetasciiBlocks.convertedSize(content) : content.limit();
        TftpNegotiation negotiation = TftpNegotiation.negotiate(request, config, size);
        TftpBlocks blocks = request.mode() == TftpMode.NETASCII
                ? new NetasciiBlocks(content, negotiation.blksize(), negotiation.windowsize(), ByteBufAllocator.DEFAULT)
                : new OctetBlocks(content, negotiation.blksize());
        TftpTransfer transfer = new TftpTransfer(shared, bootRequest, file, request.mode(), negotiation, blocks,
                startNanos);
        ChannelFuture bind = new Bootstrap().group(group).channelFactory(this::newChannel)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(TRANSFER_RECEIVE_BUFFER))
                .handler(transfer)
                .bind(new InetSocketAddress(config.bindAddress(), 0));
        Channel ch = bind.channel();
        transferChannels.add(ch);
        ch.closeFuture().addListener(f -> {
            transferChannels.remove(ch);
            transfer.socketClosed(); // covers a socket closed before it became active
        });
        if (closed) {
            ch.close(); // close() may have missed this channel: the transfer reports itself incomplete
        }
        bind.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                LOG.warn("TFTP {} '{}': cannot open a transfer socket: {}", describe(client), file.name(),
                        f.cause().toString());
                denyFromNewTid(client, TftpErrorCode.NOT_DEFINED, "cannot open a transfer socket");
                transfer.bindFailed(f.cause());
                f.channel().close();
            }
        });
    }

    /** What transfers share with the server. */
    static final class Shared {
        final TftpConfig config;
        final BootFiles files;
        final TftpMetrics metrics;
        final ExecutorService policy;
        private final TransferSlots slots;

        Shared(TftpConfig config, BootFiles files, TftpMetrics metrics, ExecutorService policy, TransferSlots slots) {
            this.config = config;
            this.files = files;
            this.metrics = metrics;
            this.policy = policy;
            this.slots = slots;
        }

        /** Reports a transfer's end to BootFiles (once per opened transfer) off the event loop. */
        void finished(BootRequest request, ServedFile file, TransferResult result) {
            slots.release(request.client().getAddress());
            Runnable report = () -> {
                try {
                    files.finished(request, file, result);
                } catch (RuntimeException e) {
                    LOG.warn("TFTP BootFiles.finished failed for {} {}", describe(request.client()), file.name(), e);
                }
            };
            try {
                policy.execute(report);
            } catch (RejectedExecutionException e) {
                report.run(); // closing: report on this thread rather than lose it
            }
        }
    }
}
