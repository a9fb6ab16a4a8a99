package org.leo.pxe.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
import java.nio.channels.spi.SelectorProvider;
import java.time.Duration;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The Netty transport every server of this module runs on: native epoll on Linux (needed for
 * binding a socket to one interface), NIO elsewhere so tests also run on other systems.
 */
public enum Transport {
    EPOLL,
    NIO;

    /** Epoll when the native library loaded, else NIO. */
    public static Transport best() {
        return Epoll.isAvailable() ? EPOLL : NIO;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /**
     * An I/O handler factory whose loops poll for {@code spin} after each event before they block
     * (see {@link SpinThenBlockStrategy}); {@link Duration#ZERO} is Netty's default behaviour.
     */
    public IoHandlerFactory ioHandlerFactory(Duration spin) {
        if (spin.isZero()) {
            return ioHandlerFactory();
        }
        SelectStrategyFactory strategy = SpinThenBlockStrategy.factory(spin.toNanos());
        return this == EPOLL ? EpollIoHandler.newFactory(0, strategy)
                : NioIoHandler.newFactory(SelectorProvider.provider(), strategy);
    }

    /** An event loop group of {@code threads} threads (0: Netty's default, two per core). */
    public EventLoopGroup newGroup(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory());
    }

    /** An event loop group whose loops poll for {@code spin} after each event before blocking. */
    public EventLoopGroup newGroup(int threads, Duration spin) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlerFactory(spin));
    }

    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    public Class<? extends ServerSocketChannel> serverSocketChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
