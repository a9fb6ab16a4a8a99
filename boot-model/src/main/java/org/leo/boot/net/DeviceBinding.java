package org.leo.boot.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SO_BINDTODEVICE on a socket's file descriptor, through JNA: the socket then only receives
 * packets that arrived on one interface and sends through it. Every server the HPC talks to (DHCP,
 * TFTP, HTTP, the attestation ports) binds its sockets to the HPC interface with it, so that a
 * machine on another link that routes the Pi's HPC-side address through the Pi (Linux's weak host
 * model accepts that) reaches none of them. Linux only; needs CAP_NET_RAW.
 */
public final class DeviceBinding {
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

    private DeviceBinding() {
    }

    /** The name's bytes if Linux can take it (1..15 ASCII bytes), else an IOException saying so. */
    public static byte[] checkName(String interfaceName) throws IOException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ) {
            throw new IOException("interface name '" + interfaceName + "' must be 1.." + (IFNAMSIZ - 1) + " bytes");
        }
        return name;
    }

    /**
     * Binds {@code fd} to {@code interfaceName}. Call before the socket is bound to its address: a
     * listening socket bound to a device accepts no connection that arrived on another one.
     */
    public static void bind(int fd, String interfaceName) throws IOException {
        byte[] name = checkName(interfaceName);
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
