package org.leo.pxe.net;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import org.leo.boot.net.DeviceBinding;

/**
 * Socket options Netty does not expose, set through JNA on the file descriptor of a native epoll
 * channel. Linux only.
 */
public final class NativeSockets {
    /** {@code IFNAMSIZ}: interface names are at most 15 bytes plus NUL. */
    public static final int IFNAMSIZ = DeviceBinding.IFNAMSIZ;

    private NativeSockets() {
    }

    /**
     * SO_BINDTODEVICE: the socket only receives packets that arrived on {@code interfaceName} and
     * sends through it (so a broadcast to 255.255.255.255 leaves on that link without a route).
     * Needs CAP_NET_RAW. Call before the channel is bound (datagram and server sockets alike: a
     * listening socket bound to a device accepts no connection that arrived on another one).
     */
    public static void bindToDevice(Channel channel, String interfaceName) throws IOException {
        if (!(channel instanceof UnixChannel epoll)) {
            throw new IOException("SO_BINDTODEVICE needs the native epoll transport, channel is "
                    + channel.getClass().getSimpleName());
        }
        bindToDevice(epoll.fd().intValue(), interfaceName);
    }

    /** SO_BINDTODEVICE on a raw file descriptor ({@link DeviceBinding#bind}). */
    public static void bindToDevice(int fd, String interfaceName) throws IOException {
        DeviceBinding.bind(fd, interfaceName);
    }
}
