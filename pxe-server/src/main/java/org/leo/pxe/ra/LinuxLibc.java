package org.leo.pxe.ra;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;

/**
 * The few libc calls that Java has no API for: raw ICMPv6 sockets. Constants are Linux's (the
 * same on x86-64 and arm64). Every call throws {@link LastErrorException} with errno on failure.
 */
interface LinuxLibc extends Library {
    LinuxLibc INSTANCE = Native.load("c", LinuxLibc.class);

    int AF_INET6 = 10;
    int SOCK_RAW = 3;
    int IPPROTO_IPV6 = 41;
    int IPPROTO_ICMPV6 = 58;
    int SOL_SOCKET = 1;
    int SO_RCVTIMEO = 20;
    int IPV6_UNICAST_HOPS = 16;
    int IPV6_MULTICAST_IF = 17;
    int IPV6_MULTICAST_HOPS = 18;
    int IPV6_MULTICAST_LOOP = 19;
    int IPV6_ADD_MEMBERSHIP = 20;
    /** {@code ICMP6_FILTER} at level {@code IPPROTO_ICMPV6}. */
    int ICMP6_FILTER = 1;
    int EAGAIN = 11;
    int EINTR = 4;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int setsockopt(int fd, int level, int option, byte[] value, int length) throws LastErrorException;

    int recvfrom(int fd, byte[] buf, long len, int flags, byte[] addr, IntByReference addrLen) throws LastErrorException;

    int sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrLen) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int if_nametoindex(String name);
}
