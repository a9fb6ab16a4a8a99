package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.leo.pxe.boot.BootRequest;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One read transfer on its own UDP socket, whose ephemeral port is the server's transfer
 * identifier (RFC 1350 section 4). Runs entirely on the socket's event loop: no locks, no thread.
 *
 * <p>Sequence numbers count blocks from 1 and never wrap; the 16-bit block number on the wire is
 * the sequence number modulo 65536, so block 65535 is followed by block 0 (as tftp-hpa does).
 * Sequence 0 stands for the OACK, acknowledged by ACK 0 (RFC 2347).
 *
 * <p>Sending (RFC 7440): up to {@code windowsize} blocks after the last acknowledged one are sent,
 * then flushed once. An ACK of block k moves the window to k+1 and sends it; an ACK of a block
 * that does not advance the window (a duplicate) sends nothing, so a duplicated ACK never
 * duplicates DATA (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1). Only the retransmission timer
 * resends, up to {@link TftpConfig#retries()} times in a row without progress.
 */
final class TftpTransfer extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(TftpTransfer.class);
    private static final HexFormat HEX = HexFormat.of();
    /** Ethernet MTU: segments must fit the path MTU, and the HPC link is Ethernet. */
    private static final int GSO_MAX_WIRE_DATAGRAM = 1500;
    /** IPv4 and UDP headers. */
    private static final int GSO_HEADROOM = 20 + 8;
    /** The kernel's limit on segments per GSO datagram (UDP_MAX_SEGMENTS is 64 before Linux 6.6). */
    private static final int GSO_MAX_SEGMENTS = 64;
    /** Largest UDP payload of one GSO datagram (65535 minus IPv6/IPv4 and UDP headers, rounded down). */
    private static final int GSO_MAX_PAYLOAD = 65_000;

    private final TftpServer.Shared shared;
    private final BootRequest request;
    private final ServedFile file;
    private final TftpMode mode;
    private final TftpNegotiation options;
    private final TftpBlocks blocks;
    private final InetSocketAddress peer;
    private final long startNanos;
    private final long lastSeq;
    private final MessageDigest digest;
    private final Runnable timerTask = this::onTimer;

    private Channel channel;
    private ByteBufAllocator alloc;
    /** Send a window as UDP GSO super-datagrams (see {@link #writeSegmented}); off after the first failure. */
    private boolean gso;
    private ScheduledFuture<?> timer;
    private boolean oackPending;
    /** Highest sequence number the client acknowledged (0: none, or the OACK). */
    private long acked;
    /** Highest sequence number sent so far. */
    private long sent;
    /** Highest sequence number hashed (first sends only). */
    private long hashed;
    private long bytesSent;
    private int retries;
    private long lastSendNanos;
    private boolean ended;

    TftpTransfer(TftpServer.Shared shared, BootRequest request, ServedFile file, TftpMode mode,
                 TftpNegotiation options, TftpBlocks blocks, long startNanos) {
        this.shared = shared;
        this.request = request;
        this.file = file;
        this.mode = mode;
        this.options = options;
        this.blocks = blocks;
        this.peer = request.client();
        this.startNanos = startNanos;
        this.lastSeq = blocks.size() / options.blksize() + 1;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        alloc = ctx.alloc();
        gso = options.windowsize() > 1 && channel instanceof EpollDatagramChannel
                && EpollDatagramChannel.isSegmentedDatagramPacketSupported()
                && 4 + options.blksize() + GSO_HEADROOM <= GSO_MAX_WIRE_DATAGRAM;
        LOG.debug("TFTP {} transfer of {} from port {} mode={} options={}", TftpServer.describe(peer),
                file.name(), ((InetSocketAddress) channel.localAddress()).getPort(), mode.wireName(), options.oack());
        if (options.oack().isEmpty()) {
            sendWindow(1);
        } else {
            oackPending = true;
            sendOack();
        }
        timer = channel.eventLoop().schedule(timerTask, options.timeoutNanos(), TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof DatagramPacket packet && !ended) {
                onPacket(packet);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        end(false, "transfer socket closed");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // ICMP errors and the like: the retransmission timer decides when to give up.
        LOG.debug("TFTP {} transfer of {}: {}", TftpServer.describe(peer), file.name(), cause.toString());
    }

    /** Ends the transfer (if still running) when its socket closed; on the socket's event loop. */
    void socketClosed() {
        end(false, "transfer socket closed");
    }

    /** Ends the transfer when its socket could not be opened. */
    void bindFailed(Throwable cause) {
        end(false, "cannot open a transfer socket: " + cause);
    }

    private void onPacket(DatagramPacket packet) {
        InetSocketAddress sender = packet.sender();
        if (!peer.equals(sender)) {
            shared.metrics.unknownTid.increment();
            LOG.debug("TFTP {} sent to the transfer of {} for {}: unknown transfer ID",
                    TftpServer.describe(sender), TftpServer.describe(peer), file.name());
            ByteBuf error = TftpCodec.encode(alloc, new TftpError(TftpErrorCode.UNKNOWN_TID, "Unknown transfer ID"));
            channel.writeAndFlush(new DatagramPacket(error, sender), channel.voidPromise());
            return;
        }
        int ackBlock = TftpCodec.ackBlock(packet.content());
        if (ackBlock >= 0) {           // the one packet per block: no decoding into an object
            onAck(ackBlock);
            return;
        }
        TftpPacket decoded;
        try {
            decoded = TftpCodec.decode(packet.content());
        } catch (TftpDecodeException e) {
            shared.metrics.malformed.increment();
            LOG.debug("TFTP {} malformed packet during transfer of {}: {}", TftpServer.describe(peer),
                    file.name(), e.getMessage());
            return;
        }
        if (decoded instanceof TftpAck ack) {
            onAck(ack.block());
        } else if (decoded instanceof TftpError error) {
            onError(error);
        } else {
            ReferenceCountUtil.release(decoded);
            shared.metrics.malformed.increment();
            LOG.debug("TFTP {} sent {} during a read transfer; ignored", TftpServer.describe(peer), decoded.opcode());
        }
    }

    private void onAck(int block) {
        if (oackPending) {
            if (block == 0) {
                oackPending = false;
                retries = 0;
                sendWindow(1);
            }
            return;
        }
        int delta = (block - (int) (acked & 0xFFFF)) & 0xFFFF;
        if (delta == 0 || delta > sent - acked) {
            return; // duplicate or stale ACK: never answered, only the timer retransmits
        }
        long seq = acked + delta;
        acked = seq;
        retries = 0;
        blocks.acknowledged(seq);
        if (seq == lastSeq) {
            end(true, "");
        } else {
            sendWindow(seq + 1);
        }
    }

    private void onError(TftpError error) {
        if (oackPending && error.code().equals(TftpErrorCode.OPTION_NEGOTIATION)) {
            shared.metrics.probes.increment();
            LOG.debug("TFTP {} size probe for {} ({} bytes): client ended after OACK {}",
                    TftpServer.describe(peer), file.name(), blocks.size(), options.oack());
            end(false, "client aborted after OACK: size probe");
        } else {
            end(false, "client sent ERROR " + error.code() + " '" + TftpCodec.echo(error.message()) + "'");
        }
    }

    private void onTimer() {
        timer = null;
        if (ended) {
            return;
        }
        long now = System.nanoTime();
        if (now - startNanos > shared.config.maxTransferTime().toNanos()) {
            // a client that ACKs just in time would otherwise hold this slot for as long as it likes
            shared.metrics.overtime.increment();
            String limit = shared.config.maxTransferTime().toSeconds() + " s";
            ByteBuf error = TftpCodec.encode(alloc, new TftpError(TftpErrorCode.NOT_DEFINED, "transfer took longer than " + limit));
            channel.writeAndFlush(new DatagramPacket(error, peer), channel.voidPromise());
            end(false, "transfer took longer than " + limit + " (at block " + (acked + 1) + ")");
            return;
        }
        long idle = now - lastSendNanos;
        if (idle < options.timeoutNanos()) {
            timer = channel.eventLoop().schedule(timerTask, options.timeoutNanos() - idle, TimeUnit.NANOSECONDS);
            return;
        }
        if (++retries > shared.config.retries()) {
            String what = oackPending ? "OACK" : "block " + (acked + 1);
            ByteBuf error = TftpCodec.encode(alloc, new TftpError(TftpErrorCode.NOT_DEFINED, "timed out"));
            channel.writeAndFlush(new DatagramPacket(error, peer), channel.voidPromise());
            end(false, "no ACK for " + what + " after " + shared.config.retries() + " retransmissions");
            return;
        }
        if (oackPending) {
            shared.metrics.retransmits.increment();
            sendOack();
        } else {
            sendWindow(acked + 1);
        }
        timer = channel.eventLoop().schedule(timerTask, options.timeoutNanos(), TimeUnit.NANOSECONDS);
    }

    private void sendOack() {
        ByteBuf oack = TftpCodec.encode(alloc, new TftpOack(options.oack()));
        channel.writeAndFlush(new DatagramPacket(oack, peer), channel.voidPromise());
        lastSendNanos = System.nanoTime();
    }

    /**
     * Sends blocks {@code from} .. the end of the window after {@link #acked} with one flush (one
     * sendmmsg on epoll), then hashes the blocks sent for the first time while the client reads.
     */
    private void sendWindow(long from) {
        long to = Math.min(lastSeq, acked + options.windowsize());
        int resent = (int) Math.max(0, Math.min(to, sent) - from + 1);
        if (gso && to > from) {
            writeSegmented(from, to);
        } else {
            for (long seq = from; seq <= to; seq++) {
                writeBlock(seq);
            }
        }
        channel.flush();
        lastSendNanos = System.nanoTime();
        if (to > sent) {
            sent = to;
        }
        if (resent > 0) {
            shared.metrics.retransmits.increment(resent);
        }
        // Blocks are first sent in order, so this hashes exactly the bytes in wire order.
        for (long seq = hashed + 1; seq <= sent; seq++) {
            ByteBuffer bytes = blocks.peek(seq);
            bytesSent += bytes.remaining();
            digest.update(bytes);
        }
        hashed = sent;
    }

    /**
     * Writes blocks {@code from..to} as few UDP GSO datagrams (UDP_SEGMENT): each is the DATA
     * packets laid end to end, and the kernel cuts it into one datagram per block after a single
     * trip through the socket and IP layers, instead of one trip per block. What the client
     * receives is identical: one DATA packet per datagram, all of {@code 4 + blksize} bytes but the
     * file's last. If the kernel or the interface refuses (no checksum offload, a smaller MTU), the
     * transfer falls back to one datagram per block and resends the window at once.
     */
    private void writeSegmented(long from, long to) {
        int segment = 4 + options.blksize();
        int perDatagram = Math.min(GSO_MAX_SEGMENTS, GSO_MAX_PAYLOAD / segment);
        for (long first = from; first <= to; first += perDatagram) {
            long last = Math.min(to, first + perDatagram - 1);
            if (last == first) {
                writeBlock(first);
                continue;
            }
            ByteBuf packets = alloc.directBuffer((int) (last - first + 1) * segment);
            for (long seq = first; seq <= last; seq++) {
                blocks.copyTo(seq, TftpCodec.writeDataHeader(packets, seq));
            }
            channel.write(new SegmentedDatagramPacket(packets, segment, peer)).addListener(f -> {
                if (!f.isSuccess() && gso && !ended) {
                    gso = false;
                    LOG.info("TFTP {} transfer of {}: the kernel refused UDP segmentation offload ({}); sending one "
                            + "datagram per block", TftpServer.describe(peer), file.name(), f.cause().toString());
                    sendWindow(acked + 1);
                }
            });
        }
    }

    private void writeBlock(long seq) {
        ByteBuf packet = alloc.directBuffer(4 + options.blksize());
        try {
            blocks.copyTo(seq, TftpCodec.writeDataHeader(packet, seq));
        } catch (RuntimeException e) {
            packet.release();
            throw e;
        }
        channel.write(new DatagramPacket(packet, peer), channel.voidPromise());
    }

    private void end(boolean complete, String note) {
        if (ended) {
            return;
        }
        ended = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        blocks.release();
        Duration elapsed = Duration.ofNanos(System.nanoTime() - startNanos);
        String sha = HEX.formatHex(digest.digest());
        String who = TftpServer.describe(peer);
        if (complete) {
            shared.metrics.completed.increment();
            LOG.debug("TFTP {} sent {} {} bytes mode={} blksize={} windowsize={} in {} ms sha256={}", who, file.name(),
                    bytesSent, mode.wireName(), options.blksize(), options.windowsize(), elapsed.toMillis(), sha);
        } else if (!note.endsWith("size probe")) {
            shared.metrics.incomplete.increment();
            LOG.debug("TFTP {} did not get all of {}: {} ({} of {} bytes sent, {} acknowledged blocks)", who,
                    file.name(), note, bytesSent, blocks.size(), acked);
        }
        shared.finished(request, file, new TransferResult(bytesSent, sha, complete, elapsed, note));
        if (channel != null) {
            channel.close();
        }
    }
}
