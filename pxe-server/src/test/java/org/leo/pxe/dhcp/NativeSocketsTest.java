package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.leo.pxe.net.NativeSockets;
import org.leo.pxe.net.Transport;

/** SO_BINDTODEVICE errors are reported, not swallowed (the success path runs in DhcpInteropSystemTest). */
class NativeSocketsTest {
    @Test
    void rejectsBadNamesAndNonEpollChannels() throws Exception {
        assertThatThrownBy(() -> NativeSockets.bindToDevice(0, "a-very-long-ifname"))
                .isInstanceOf(IOException.class).hasMessage("interface name 'a-very-long-ifname' must be 1..15 bytes");
        EventLoopGroup group = Transport.NIO.newGroup(1);
        try {
            Channel ch = new Bootstrap().group(group).channel(Transport.NIO.datagramChannel())
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            assertThatThrownBy(() -> NativeSockets.bindToDevice(ch, "lo")).isInstanceOf(IOException.class)
                    .hasMessageContaining("needs the native epoll transport");
            ch.close().sync();
        } finally {
            group.shutdownGracefully().sync();
        }
    }

    @Test
    void unknownInterfaceFailsWithErrno() throws Exception {
        assumeTrue(Transport.best() == Transport.EPOLL, "epoll not available");
        EventLoopGroup group = Transport.EPOLL.newGroup(1);
        try {
            Channel ch = new Bootstrap().group(group).channel(Transport.EPOLL.datagramChannel())
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            // ENODEV (19) as root, EPERM (1) without CAP_NET_RAW: either way an IOException naming the call.
            assertThatThrownBy(() -> NativeSockets.bindToDevice(ch, "leodnope0")).isInstanceOf(IOException.class)
                    .hasMessageContaining("setsockopt(SO_BINDTODEVICE, leodnope0)").hasMessageContaining("errno");
            ch.close().sync();
        } finally {
            group.shutdownGracefully().sync();
        }
    }
}
