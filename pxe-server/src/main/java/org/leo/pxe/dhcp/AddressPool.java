package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.util.Objects;

/** An inclusive IPv4 range {@code start..end} the server may lease from. */
public record AddressPool(Inet4Address start, Inet4Address end) {
    /** A pool larger than a /16 is a configuration mistake on a single HPC segment. */
    public static final long MAX_SIZE = 65536;

    public AddressPool {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        long size = toLong(end) - toLong(start) + 1;
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("pool " + start.getHostAddress() + ".." + end.getHostAddress()
                    + " must hold 1.." + MAX_SIZE + " addresses, holds " + size);
        }
    }

    public long size() {
        return toLong(end) - toLong(start) + 1;
    }

    public boolean contains(Inet4Address a) {
        long v = toLong(a);
        return v >= toLong(start) && v <= toLong(end);
    }

    /** The i-th address of the pool, 0-based. */
    public Inet4Address get(long i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("pool index " + i + " of " + size());
        }
        return fromLong(toLong(start) + i);
    }

    static long toLong(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((long) (b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
    }

    static Inet4Address fromLong(long v) {
        return DhcpOptions.toInet4(new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v});
    }

    @Override
    public String toString() {
        return start.getHostAddress() + ".." + end.getHostAddress();
    }
}
