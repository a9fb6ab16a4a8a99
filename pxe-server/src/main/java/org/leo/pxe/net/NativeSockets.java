package org.leo.pxe.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Socket options Netty does not expose, set through JNA on the file descriptor of a native epoll
 * channel. Linux only.
 */
public final class NativeSockets {
    /** {@code <asm-generic/socket.h>}: same value on x86-64 and arm64. */
    private static final int SOL_SOCKET = 1;
    private static final int SO_BINDTODEVICE = 25;
    /** {@code IFNAMSIZ}: interface names are at most 15 bytes plus NUL. */
    public static final int IFNAMSIZ = 16;

    private static final class LibC {
        static {
            Native.register("c");
        }

        static native int setsockopt(int fd, int level, int name, byte[] value, int length) throws LastErrorException;
    }

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

    /** SO_BINDTODEVICE on a raw file descriptor. */
    public static void bindToDevice(int fd, String interfaceName) throws IOException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ) {
            throw new IOException("interface name '" + interfaceName + "' must be 1.." + (IFNAMSIZ - 1) + " bytes");
        }
        byte[] value = Arrays.copyOf(name, name.length + 1); // NUL-terminated
        try {
            LibC.setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, value, value.length);
        } catch (LastErrorException e) {
            throw new IOException("setsockopt(SO_BINDTODEVICE, " + interfaceName + ") on fd " + fd + " failed: errno "
                    + e.getErrorCode() + " " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("libc setsockopt not available through JNA: " + e.getMessage(), e);
        }
    }
}
