package org.leo.attest.server;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.ChannelException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.leo.boot.net.DeviceBinding;

/**
 * The attestation ports' transport when they are bound to the HPC interface: native epoll event
 * loops and a channel factory that puts SO_BINDTODEVICE on each listening socket before grpc-netty
 * binds it to its address. grpc-netty's own default transport has no hook between creating the
 * socket and binding it, so this owns its loops (one boss, two workers: an appliance serves a
 * handful of HPCs) and closes them with the server.
 */
final class DeviceBoundTransport implements AutoCloseable {
    private final String device;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;

    private DeviceBoundTransport(String device) {
        this.device = device;
        this.boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    }

    /** Refuses at once, naming the reason, when the native epoll transport is not available here. */
    static DeviceBoundTransport open(String device) throws IOException {
        if (!Epoll.isAvailable()) {
            throw new IOException("binding the attestation ports to " + device + " needs Netty's native epoll transport: "
                    + Epoll.unavailabilityCause());
        }
        DeviceBinding.checkName(device);
        return new DeviceBoundTransport(device);
    }

    NettyServerBuilder configure(NettyServerBuilder builder) {
        return builder.bossEventLoopGroup(boss).workerEventLoopGroup(workers).channelFactory(() -> {
            EpollServerSocketChannel channel = new EpollServerSocketChannel();
            try {
                DeviceBinding.bind(channel.fd().intValue(), device);
            } catch (IOException e) {
                channel.unsafe().closeForcibly();
                // Netty reports a failing channel factory as the bind's failure: the server does not start
                throw new ChannelException(e.getMessage(), e);
            }
            return channel;
        });
    }

    @Override
    public void close() {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
