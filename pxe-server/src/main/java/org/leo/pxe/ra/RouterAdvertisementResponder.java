package org.leo.pxe.ra;

import com.sun.jna.LastErrorException;
import com.sun.jna.ptr.IntByReference;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.Closeable;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import org.leo.pxe.net.NativeSockets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers IPv6 Router Solicitations on the HPC link with a do-nothing Router Advertisement
 * (RFC 4861 4.2: M=0, O=0, router lifetime 0, no prefix information).
 *
 * <p>Why: iPXE configures IPv6 next to IPv4 and waits up to ~16 s for a router before it runs
 * the boot script. An RA that says "no managed or other configuration, and I am not a default
 * router" completes that wait at once without giving the HPC an IPv6 address or route.
 *
 * <p>Java has no raw sockets, so this uses an {@code AF_INET6/SOCK_RAW/IPPROTO_ICMPV6} socket
 * through JNA, bound to one interface, with an ICMPv6 filter that lets only solicitations in.
 * The kernel computes the ICMPv6 checksum and picks the link-local source address. A
 * solicitation that is not well formed (RFC 4861 6.1.1: hop limit is not checked here because
 * the socket does not deliver it, but length and code are) is dropped and counted.
 */
public final class RouterAdvertisementResponder implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(RouterAdvertisementResponder.class);

    static final int ICMPV6_ROUTER_SOLICITATION = 133;
    static final int ICMPV6_ROUTER_ADVERTISEMENT = 134;
    /** RFC 4861 6.1.1: an RS is at least 8 octets (type, code, checksum, reserved). */
    static final int MIN_RS_LENGTH = 8;
    /** Larger than any solicitation a link of MTU 1500 can carry; anything longer is truncated and dropped. */
    private static final int RECEIVE_BUFFER = 2048;
    /** How often the receive loop wakes to notice {@link #close()}. */
    private static final int POLL_MILLIS = 200;
    private static final int SOCKADDR_IN6_LENGTH = 28;

    private final String interfaceName;
    private final int interfaceIndex;
    private final int fd;
    private final Thread thread;
    private final Counter solicitations;
    private final Counter advertisements;
    private final Counter malformed;
    private volatile boolean closed;

    private RouterAdvertisementResponder(String interfaceName, int interfaceIndex, int fd, MeterRegistry registry) {
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.fd = fd;
        this.solicitations = Counter.builder("pxe.ra.solicitations").description("Router Solicitations received").register(registry);
        this.advertisements = Counter.builder("pxe.ra.advertisements").description("Router Advertisements sent").register(registry);
        this.malformed = Counter.builder("pxe.ra.malformed").description("ICMPv6 packets dropped as not a valid RS").register(registry);
        this.thread = new Thread(this::receiveLoop, "ra-responder-" + interfaceName);
        this.thread.setDaemon(true);
    }

    /**
     * Opens the raw socket on {@code interfaceName} and starts answering. Needs CAP_NET_RAW.
     *
     * @throws IllegalStateException if the interface does not exist or the socket cannot be opened
     */
    public static RouterAdvertisementResponder start(String interfaceName, MeterRegistry registry) {
        Objects.requireNonNull(interfaceName, "interfaceName");
        LinuxLibc c = LinuxLibc.INSTANCE;
        int index = c.if_nametoindex(interfaceName);
        if (index == 0) {
            throw new IllegalStateException("IPv6 RA responder: no interface named '" + interfaceName + "'");
        }
        int fd;
        try {
            fd = c.socket(LinuxLibc.AF_INET6, LinuxLibc.SOCK_RAW, LinuxLibc.IPPROTO_ICMPV6);
        } catch (LastErrorException e) {
            throw new IllegalStateException("IPv6 RA responder: cannot open a raw ICMPv6 socket (needs CAP_NET_RAW): errno "
                    + e.getErrorCode(), e);
        }
        try {
            NativeSockets.bindToDevice(fd, interfaceName);
            c.setsockopt(fd, LinuxLibc.IPPROTO_ICMPV6, LinuxLibc.ICMP6_FILTER, onlySolicitationsFilter(), 32);
            // RFC 4861 6.1.2: an RA must be sent with hop limit 255 (receivers drop others).
            c.setsockopt(fd, LinuxLibc.IPPROTO_IPV6, LinuxLibc.IPV6_MULTICAST_HOPS, intValue(255), 4);
            c.setsockopt(fd, LinuxLibc.IPPROTO_IPV6, LinuxLibc.IPV6_UNICAST_HOPS, intValue(255), 4);
            c.setsockopt(fd, LinuxLibc.IPPROTO_IPV6, LinuxLibc.IPV6_MULTICAST_LOOP, intValue(0), 4);
            c.setsockopt(fd, LinuxLibc.IPPROTO_IPV6, LinuxLibc.IPV6_MULTICAST_IF, intValue(index), 4);
            c.setsockopt(fd, LinuxLibc.IPPROTO_IPV6, LinuxLibc.IPV6_ADD_MEMBERSHIP, membership("ff02::2", index), 20);
            c.setsockopt(fd, LinuxLibc.SOL_SOCKET, LinuxLibc.SO_RCVTIMEO, timeval(POLL_MILLIS), 16);
        } catch (LastErrorException e) {
            c.close(fd);
            throw new IllegalStateException("IPv6 RA responder: cannot configure the socket on " + interfaceName
                    + ": errno " + e.getErrorCode(), e);
        } catch (java.io.IOException e) {
            c.close(fd);
            throw new IllegalStateException("IPv6 RA responder: " + e.getMessage(), e);
        }
        RouterAdvertisementResponder r = new RouterAdvertisementResponder(interfaceName, index, fd, registry);
        r.thread.start();
        log.info("IPv6 RA responder listening on {} (ifindex {}): answers Router Solicitations with M=0 O=0 lifetime 0",
                interfaceName, index);
        return r;
    }

    /** The Router Advertisement we send: RFC 4861 4.2 with every field zero but type and hop limit. */
    static byte[] advertisement() {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.put((byte) ICMPV6_ROUTER_ADVERTISEMENT).put((byte) 0).putShort((short) 0); // type, code, checksum (kernel)
        b.put((byte) 64);          // cur hop limit advertised to hosts
        b.put((byte) 0);           // M=0 O=0: no DHCPv6 of any kind
        b.putShort((short) 0);     // router lifetime 0: not a default router
        b.putInt(0).putInt(0);     // reachable time, retrans timer: unspecified
        return b.array();
    }

    /** Whether {@code packet[0..length)} is an ICMPv6 Router Solicitation we should answer. */
    static boolean isSolicitation(byte[] packet, int length) {
        return length >= MIN_RS_LENGTH && (packet[0] & 0xff) == ICMPV6_ROUTER_SOLICITATION && packet[1] == 0;
    }

    private void receiveLoop() {
        LinuxLibc c = LinuxLibc.INSTANCE;
        byte[] buf = new byte[RECEIVE_BUFFER];
        byte[] from = new byte[SOCKADDR_IN6_LENGTH];
        byte[] ra = advertisement();
        byte[] allNodes = sockaddr("ff02::1", interfaceIndex);
        while (!closed) {
            int n;
            try {
                n = c.recvfrom(fd, buf, buf.length, 0, from, new IntByReference(from.length));
            } catch (LastErrorException e) {
                if (e.getErrorCode() == LinuxLibc.EAGAIN || e.getErrorCode() == LinuxLibc.EINTR) {
                    continue;
                }
                if (!closed) {
                    log.warn("IPv6 RA responder on {}: receive failed, errno {}; stopping", interfaceName, e.getErrorCode());
                }
                return;
            }
            String source = sourceOf(from);
            if (!isSolicitation(buf, n)) {
                malformed.increment();
                log.debug("IPv6 RA responder on {}: dropped {} bytes from {}: not a Router Solicitation", interfaceName, n, source);
                continue;
            }
            solicitations.increment();
            try {
                c.sendto(fd, ra, ra.length, 0, allNodes, allNodes.length);
                advertisements.increment();
                log.info("IPv6 Router Solicitation from {} on {}: answered with a do-nothing Router Advertisement",
                        source, interfaceName);
            } catch (LastErrorException e) {
                // EADDRNOTAVAIL while our link-local address is still tentative (DAD): the client asks again.
                log.warn("IPv6 Router Solicitation from {} on {}: could not send the advertisement, errno {}",
                        source, interfaceName, e.getErrorCode());
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.join(POLL_MILLIS * 5L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LinuxLibc.INSTANCE.close(fd);
    }

    public long solicitationsAnswered() {
        return (long) advertisements.count();
    }

    // ---- struct builders (host byte order where the kernel expects it) -------------------------------

    /** struct icmp6_filter: 256 bits, a set bit blocks that type; pass only type 133. */
    static byte[] onlySolicitationsFilter() {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.nativeOrder());
        for (int word = 0; word < 8; word++) {
            int bits = 0xffffffff;
            if (word == ICMPV6_ROUTER_SOLICITATION >> 5) {
                bits &= ~(1 << (ICMPV6_ROUTER_SOLICITATION & 31));
            }
            b.putInt(bits);
        }
        return b.array();
    }

    private static byte[] intValue(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] timeval(int millis) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(millis / 1000).putLong((millis % 1000) * 1000L).array();
    }

    /** struct ipv6_mreq: 16-byte group address + int interface index. */
    private static byte[] membership(String group, int index) {
        return ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).put(addressBytes(group)).putInt(index).array();
    }

    /** struct sockaddr_in6: family (host order), port (network order), flowinfo, address, scope id. */
    static byte[] sockaddr(String address, int scopeId) {
        ByteBuffer b = ByteBuffer.allocate(SOCKADDR_IN6_LENGTH).order(ByteOrder.nativeOrder());
        b.putShort((short) LinuxLibc.AF_INET6);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) 0).putInt(0).put(addressBytes(address));
        b.order(ByteOrder.nativeOrder()).putInt(scopeId);
        return b.array();
    }

    private static String sourceOf(byte[] sockaddr) {
        byte[] a = new byte[16];
        System.arraycopy(sockaddr, 8, a, 0, 16);
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            return "?";
        }
    }

    private static byte[] addressBytes(String literal) {
        try {
            InetAddress a = InetAddress.getByName(literal);
            if (!(a instanceof Inet6Address)) {
                throw new IllegalArgumentException("not an IPv6 literal: " + literal);
            }
            return a.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 literal: " + literal, e);
        }
    }
}
