package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.leo.boot.events.BootEventSink;
import org.leo.pxe.net.NativeSockets;
import org.leo.pxe.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The DHCP (and in proxy mode PXE port 4011) server: UDP channels on the shared event loop group,
 * bound to 0.0.0.0 (broadcast DISCOVERs only reach a wildcard socket) and, when an interface is
 * configured, to that device with SO_BINDTODEVICE. Request handling runs on one dedicated thread
 * ({@link GroupCommitWorker}) because leases are committed to SQLite before the ACK is sent.
 */
public final class DhcpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DhcpServer.class);

    private DhcpConfig config;
    private final EventLoopGroup group;
    private final Transport transport;
    private final MeterRegistry registry;
    private final DhcpPolicy policy;
    private final GroupCommitWorker worker;
    private final List<Channel> channels = new ArrayList<>();
    private final boolean quiet;

    public DhcpServer(DhcpConfig config, LeaseStore leases, BootEventSink events, EventLoopGroup group,
                      Transport transport, MeterRegistry registry) {
        this(config, leases, events, group, transport, registry, false);
    }

    /** With {@code quiet}, exchanges and the bind are logged at DEBUG only (the warm-up's private server). */
    DhcpServer(DhcpConfig config, LeaseStore leases, BootEventSink events, EventLoopGroup group,
               Transport transport, MeterRegistry registry, boolean quiet) {
        this.quiet = quiet;
        this.config = config;
        this.group = group;
        this.transport = transport;
        this.registry = registry;
        this.policy = new DhcpPolicy(config, leases, registry, Clock.systemUTC());
        this.worker = new GroupCommitWorker(leases::flush, events, registry);
    }

    /** Binds the server port (and the proxy port in proxy mode). Blocks until bound. */
    public synchronized void start() {
        worker.start();
        try {
            channels.add(bind(config.serverPort(), DhcpPolicy.Port.DHCP));
            if (config.proxyMode()) {
                channels.add(bind(config.proxyPort(), DhcpPolicy.Port.PROXY));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** The bound DHCP port (useful when configured as 0 in tests). */
    public int port() {
        return ((InetSocketAddress) channels.get(0).localAddress()).getPort();
    }

    /** The bound proxy port (4011) in proxy mode. */
    public int proxyPort() {
        return ((InetSocketAddress) channels.get(1).localAddress()).getPort();
    }

    private Channel bind(int port, DhcpPolicy.Port kind) throws IOException {
        // IPv4 sockets: DHCPv4 only, and no v4-mapped addresses in logs.
        Bootstrap b = new Bootstrap().group(group)
                .channelFactory(() -> transport == Transport.EPOLL ? new EpollDatagramChannel(SocketProtocolFamily.INET)
                        : new NioDatagramChannel(SocketProtocolFamily.INET))
                .option(ChannelOption.SO_BROADCAST, true)
                .option(ChannelOption.RECVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(DhcpCodecUtil.MAX_PACKET_LENGTH + 1))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("dhcp", new DhcpHandler(config, policy, kind, registry, worker, quiet));
                    }
                });
        Channel ch = b.register().syncUninterruptibly().channel();
        try {
            if (config.interfaceName() != null) {
                NativeSockets.bindToDevice(ch, config.interfaceName());
            }
            ch.bind(new InetSocketAddress("0.0.0.0", port)).syncUninterruptibly();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        LOG.atLevel(quiet ? Level.DEBUG : Level.INFO).log("{} listening on {}{}, server id {}", config.proxyMode()
                        ? (kind == DhcpPolicy.Port.PROXY ? "proxyDHCP (PXE port)" : "proxyDHCP") : "DHCP server",
                ch.localAddress(), config.interfaceName() == null ? "" : " dev " + config.interfaceName(),
                config.serverAddress().getHostAddress());
        return ch;
    }

    /**
     * Enrolls {@code r} while the server runs: its MAC is answered from the next request on, with its reserved address
     * if it has one. Refused (IllegalArgumentException) when the address is not a client address of the subnet or is
     * another MAC's. Not persisted here: the caller keeps its enrollments.
     */
    public synchronized DhcpConfig enroll(Reservation r) {
        DhcpConfig next = config.withReservation(r);
        policy.reconfigure(next);
        config = next;
        return next;
    }

    /** The configuration in force, with every HPC enrolled so far. */
    public synchronized DhcpConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        for (Channel ch : channels) {
            ch.close().syncUninterruptibly();
        }
        channels.clear();
        worker.close();
    }
}
