package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thin Netty layer: decode the datagram, ask {@link DhcpPolicy}, record boot events, encode
 * and send the reply to the address RFC 2131 4.1 prescribes. A packet that does not decode is a
 * value ({@link Decoded}), logged at debug with the MAC and xid it claims and counted; nothing a
 * client sends stops the server. The event loop only copies the datagram (at most
 * {@link DhcpCodecUtil#MAX_PACKET_LENGTH} bytes) and hands it to the server's single
 * {@link GroupCommitWorker}, which commits leases and events of a burst together before sending
 * the replies; when the worker's bounded queue is full the packet is dropped and counted
 * ({@code dhcp.dropped_overload}), as a DHCP client simply retransmits.
 */
final class DhcpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger LOG = LoggerFactory.getLogger(DhcpHandler.class);

    /** A decode result: the message, or why it is not one (with what could be read of MAC and xid). */
    record Decoded(DhcpMessage message, String error, String claimedMac, String claimedXid) {
        static Decoded of(ByteBuf buf) {
            try {
                return new Decoded(DhcpCodecUtil.decode(buf), null, "", "");
            } catch (DhcpFormatException e) {
                int n = buf.readableBytes();
                int base = buf.readerIndex();
                String xid = n >= 8 ? String.format("%08x", buf.getInt(base + 4)) : "?";
                String mac = "?";
                if (n >= 34) {
                    byte[] b = new byte[6];
                    buf.getBytes(base + 28, b);
                    mac = HexFormat.ofDelimiter(":").formatHex(b);
                }
                return new Decoded(null, e.getMessage(), mac, xid);
            }
        }

        boolean ok() {
            return message != null;
        }
    }

    private final DhcpConfig config;
    private final DhcpPolicy policy;
    private final DhcpPolicy.Port port;
    private final MeterRegistry registry;
    private final GroupCommitWorker worker;
    /** Log every exchange at DEBUG (the warm-up's private server), not ACKs and NAKs at INFO. */
    private final boolean quiet;

    DhcpHandler(DhcpConfig config, DhcpPolicy policy, DhcpPolicy.Port port, MeterRegistry registry,
                GroupCommitWorker worker, boolean quiet) {
        this.config = config;
        this.policy = policy;
        this.port = port;
        this.registry = registry;
        this.worker = worker;
        this.quiet = quiet;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        InetSocketAddress sender = packet.sender();
        ByteBuf content = packet.content();
        byte[] bytes = new byte[Math.min(content.readableBytes(), DhcpCodecUtil.MAX_PACKET_LENGTH + 1)];
        content.getBytes(content.readerIndex(), bytes);
        worker.submit(events -> decide(ctx, sender, bytes, events)); // counted as dhcp.dropped_overload when full
    }

    /**
     * On the worker thread: decode, decide, append the boot events to {@code events}, encode. The
     * returned reply is sent by the worker after the leases and events of its batch are committed.
     */
    Optional<GroupCommitWorker.Reply> decide(ChannelHandlerContext ctx, InetSocketAddress sender, byte[] bytes,
                                             List<BootEvent> events) {
        Decoded d = Decoded.of(Unpooled.wrappedBuffer(bytes));
        if (!d.ok()) {
            registry.counter("dhcp.decode_errors").increment();
            LOG.debug("DHCP from {} mac={} xid={} dropped: {}", sender, d.claimedMac(), d.claimedXid(), d.error());
            return Optional.empty();
        }
        DhcpMessage req = d.message();
        registry.counter("dhcp.received", "type", req.type().name()).increment();
        Outcome out;
        try {
            out = policy.decide(req, port);
        } catch (RuntimeException e) { // a store failure must not kill the channel; no ACK without a durable lease
            registry.counter("dhcp.errors").increment();
            LOG.error("DHCP {} xid={} from {}: {}", req.type(), req.xidHex(), sender, e.toString(), e);
            return Optional.empty();
        }
        MacAddress mac = req.mac().orElse(null);
        String client = sender.getAddress().getHostAddress() + ":" + sender.getPort();
        if (out.record()) {
            receivedStage(req).ifPresent(s -> events.add(BootEvent.dhcp(mac, client, s, describe(req))));
        }
        if (out.reply().isEmpty()) {
            if (out.stage() == BootStage.DHCP_IGNORED) {
                registry.counter("dhcp.ignored").increment();
            }
            LOG.debug("DHCP {} xid={} from {} {}: {}", req.type(), req.xidHex(), mac, client, out.detail());
            if (out.record()) {
                events.add(BootEvent.dhcp(mac, client, out.stage(), out.detail()));
            }
            return Optional.empty();
        }
        DhcpMessage reply = out.reply().get();
        InetSocketAddress to = destination(req, reply, port, sender, config);
        ByteBuf buf = ctx.alloc().buffer(ReplyFactory.MIN_REPLY_LENGTH + 64);
        try {
            DhcpCodecUtil.encode(reply, buf);
        } catch (RuntimeException e) {
            buf.release();
            registry.counter("dhcp.errors").increment();
            LOG.error("DHCP {} xid={} for {}: reply not encodable: {}", reply.type(), req.xidHex(), mac, e.getMessage());
            return Optional.empty();
        }
        // Recorded in the same commit, before the send: a client that has the reply can rely on the event being logged.
        events.add(BootEvent.dhcp(mac, client, out.stage(), out.detail()));
        return Optional.of(new GroupCommitWorker.Reply() {
            @Override
            public void send() {
                registry.counter("dhcp.sent", "type", reply.type().name()).increment();
                // An OFFER changes nothing for the client yet: INFO says what it was given (ACK, NAK).
                if (quiet || reply.type() == DhcpMessageType.OFFER) {
                    LOG.debug("DHCP {} xid={} {} -> {} to {}: {}", req.type(), req.xidHex(), mac, reply.type(), to, out.detail());
                } else {
                    LOG.info("DHCP {} xid={} {} -> {} to {}: {}", req.type(), req.xidHex(), mac, reply.type(), to, out.detail());
                }
                ctx.writeAndFlush(new DatagramPacket(buf, to)).addListener(f -> {
                    if (!f.isSuccess()) {
                        registry.counter("dhcp.send_errors").increment();
                        LOG.warn("DHCP {} xid={} to {} not sent: {}", reply.type(), req.xidHex(), to, f.cause().toString());
                    }
                });
            }

            @Override
            public void discard() {
                buf.release();
            }
        });
    }

    /**
     * RFC 2131 4.1: relayed (giaddr set) to the relay's server port; a client with an address
     * (ciaddr set, not a NAK) unicast; everything else broadcast. Port 4011 (PXE) answers the sender.
     */
    static InetSocketAddress destination(DhcpMessage req, DhcpMessage reply, DhcpPolicy.Port port,
                                         InetSocketAddress sender, DhcpConfig config) {
        if (port == DhcpPolicy.Port.PROXY) {
            return sender;
        }
        if (!req.giaddr().isAnyLocalAddress()) {
            return new InetSocketAddress(req.giaddr(), config.serverPort());
        }
        if (!req.ciaddr().isAnyLocalAddress() && reply.type() != DhcpMessageType.NAK) {
            return new InetSocketAddress(req.ciaddr(), config.clientPort());
        }
        return new InetSocketAddress(config.broadcastAddress(), config.clientPort());
    }

    private static Optional<BootStage> receivedStage(DhcpMessage req) {
        return switch (req.type()) {
            case DISCOVER -> Optional.of(BootStage.DHCP_DISCOVER);
            case REQUEST -> Optional.of(BootStage.DHCP_REQUEST);
            case INFORM -> Optional.of(BootStage.DHCP_INFORM);
            default -> Optional.empty(); // RELEASE, DECLINE: the outcome event says it
        };
    }

    private static String describe(DhcpMessage req) {
        NetbootClass c = NetbootClassifier.classify(req);
        Optional<Inet4Address> requested;
        try {
            requested = req.options().ipv4(DhcpOption.REQUESTED_IP);
        } catch (DhcpFormatException e) {
            requested = Optional.empty();
        }
        return req.type() + " xid=" + req.xidHex()
                + (c.vendorClass().isEmpty() ? "" : " vendor class '" + NetbootClassifier.printable(c.vendorClass()) + "'")
                + c.arch().map(a -> " arch " + a).orElse("") + (c.ipxe() ? " iPXE" : "")
                + requested.map(a -> " requested " + a.getHostAddress()).orElse("")
                + (req.ciaddr().isAnyLocalAddress() ? "" : " ciaddr " + req.ciaddr().getHostAddress());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        registry.counter("dhcp.errors").increment();
        LOG.warn("DHCP channel {}: {}", ctx.channel().localAddress(), cause.toString());
    }
}
