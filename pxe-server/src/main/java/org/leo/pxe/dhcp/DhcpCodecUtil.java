package org.leo.pxe.dhcp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.util.Map;

/**
 * Pure conversion between a DHCP packet (the UDP payload) and {@link DhcpMessage}, in the style of
 * Netty's {@code DnsCodecUtil}: no I/O, no state. Decoding validates every length against the
 * buffer before reading and throws only {@link DhcpFormatException}.
 *
 * <p>RFC 2131 2 (layout), RFC 2132 2/3 (magic cookie, pad, end), 9.3 (option overload: options
 * continue in {@code file} then {@code sname}), RFC 3396 (a repeated option is concatenated; a
 * value over 255 bytes is split on encode).
 */
final class DhcpCodecUtil {
    /** The fixed BOOTP header up to and including the magic cookie (RFC 2131 2, RFC 2132 2). */
    static final int FIXED_LENGTH = 240;
    static final int MAGIC_COOKIE = 0x63825363;
    static final int SNAME_OFFSET = 44;
    static final int FILE_OFFSET = 108;
    static final int COOKIE_OFFSET = 236;
    /**
     * Largest packet accepted or produced: the UDP payload of a 9000-byte jumbo frame
     * (9000 - 20 IPv4 - 8 UDP). Clients send 300..576 bytes; anything larger is not a boot client.
     */
    static final int MAX_PACKET_LENGTH = 8972;
    /** RFC 2132 2: a single option instance carries at most 255 bytes; longer values are split (RFC 3396). */
    static final int MAX_OPTION_CHUNK = 255;
    private static final int OVERLOAD_FILE = 1;
    private static final int OVERLOAD_SNAME = 2;

    private DhcpCodecUtil() {
    }

    /** Decodes the readable bytes of {@code buf} without moving its reader index. */
    static DhcpMessage decode(ByteBuf buf) {
        int base = buf.readerIndex();
        int length = buf.readableBytes();
        if (length < FIXED_LENGTH) {
            throw new DhcpFormatException("packet too short: " + length + " bytes, a DHCP message needs at least " + FIXED_LENGTH);
        }
        if (length > MAX_PACKET_LENGTH) {
            throw new DhcpFormatException("packet of " + length + " bytes exceeds the " + MAX_PACKET_LENGTH + "-byte cap");
        }
        int op = buf.getUnsignedByte(base);
        if (op != DhcpMessage.OP_BOOTREQUEST && op != DhcpMessage.OP_BOOTREPLY) {
            throw new DhcpFormatException("op " + op + " is neither BOOTREQUEST(1) nor BOOTREPLY(2)");
        }
        int hlen = buf.getUnsignedByte(base + 2);
        if (hlen > DhcpMessage.CHADDR_LENGTH) {
            throw new DhcpFormatException("hlen " + hlen + " exceeds the 16-byte chaddr field");
        }
        int cookie = buf.getInt(base + COOKIE_OFFSET);
        if (cookie != MAGIC_COOKIE) {
            throw new DhcpFormatException(String.format("bad magic cookie 0x%08x, expected 0x%08x", cookie, MAGIC_COOKIE));
        }
        DhcpMessage.Builder m = DhcpMessage.builder()
                .op(op)
                .htype(buf.getUnsignedByte(base + 1))
                .hlen(hlen)
                .hops(buf.getUnsignedByte(base + 3))
                .xid(buf.getInt(base + 4))
                .secs(buf.getUnsignedShort(base + 8))
                .flags(buf.getUnsignedShort(base + 10))
                .ciaddr(address(buf, base + 12))
                .yiaddr(address(buf, base + 16))
                .siaddr(address(buf, base + 20))
                .giaddr(address(buf, base + 24))
                .chaddr(bytes(buf, base + 28, DhcpMessage.CHADDR_LENGTH))
                .sname(bytes(buf, base + SNAME_OFFSET, DhcpMessage.SNAME_LENGTH))
                .file(bytes(buf, base + FILE_OFFSET, DhcpMessage.FILE_LENGTH));

        DhcpOptions.Builder options = DhcpOptions.builder().keepOrder();
        int afterEnd = parseArea(buf, base, FIXED_LENGTH, length, "options", options);
        // RFC 2132 9.3: option 52 says file and/or sname hold more options, read in that order.
        byte[] overload = options.build().raw(DhcpOption.OVERLOAD.code());
        if (overload != null) {
            if (overload.length != 1) {
                throw new DhcpFormatException("option 52 expected 1 byte, got " + overload.length);
            }
            int which = overload[0] & 0xff;
            if (which < 1 || which > 3) {
                throw new DhcpFormatException("option 52 overload value " + which + " is not 1..3");
            }
            if ((which & OVERLOAD_FILE) != 0) {
                parseArea(buf, base, FILE_OFFSET, FILE_OFFSET + DhcpMessage.FILE_LENGTH, "file", options);
                m.file(new byte[DhcpMessage.FILE_LENGTH]);
            }
            if ((which & OVERLOAD_SNAME) != 0) {
                parseArea(buf, base, SNAME_OFFSET, SNAME_OFFSET + DhcpMessage.SNAME_LENGTH, "sname", options);
                m.sname(new byte[DhcpMessage.SNAME_LENGTH]);
            }
            options.remove(DhcpOption.OVERLOAD);
        }
        DhcpOptions opts = options.build();
        byte[] type = opts.raw(DhcpOption.MESSAGE_TYPE.code());
        if (type == null) {
            throw new DhcpFormatException("option 53 (message type) missing");
        }
        opts.messageType(); // checks length and range with the documented messages
        // Bytes after END (clients zero-pad to 300) are kept as a length so the packet round-trips.
        return m.options(opts).paddedLength(afterEnd >= 0 && afterEnd < length ? length : 0).build();
    }

    /**
     * Parses code/length/value triples in {@code [from, to)} relative to {@code base} into
     * {@code into}. Returns the relative offset just after END, or -1 if the area ended without one.
     */
    private static int parseArea(ByteBuf buf, int base, int from, int to, String area, DhcpOptions.Builder into) {
        int i = from;
        while (i < to) {
            int code = buf.getUnsignedByte(base + i);
            if (code == DhcpOption.PAD.code()) {
                i++;
                continue;
            }
            if (code == DhcpOption.END.code()) {
                return i + 1;
            }
            if (i + 1 >= to) {
                throw new DhcpFormatException("option " + code + " at offset " + i + " in " + area + " has no length byte");
            }
            int len = buf.getUnsignedByte(base + i + 1);
            if (i + 2 + len > to) {
                throw new DhcpFormatException("option " + code + " at offset " + i + " in " + area + " has length " + len
                        + " and runs past the end at offset " + to);
            }
            byte[] tmp = new byte[len];
            buf.getBytes(base + i + 2, tmp);
            into.append(code, tmp, 0, len);
            i += 2 + len;
        }
        return -1;
    }

    /** Writes {@code m} to {@code out}. Options in their map order, long values split (RFC 3396), END, padding. */
    static void encode(DhcpMessage m, ByteBuf out) {
        int start = out.writerIndex();
        out.writeByte(m.op()).writeByte(m.htype()).writeByte(m.hlen()).writeByte(m.hops());
        out.writeInt(m.xid()).writeShort(m.secs()).writeShort(m.flags());
        out.writeBytes(m.ciaddr().getAddress()).writeBytes(m.yiaddr().getAddress())
                .writeBytes(m.siaddr().getAddress()).writeBytes(m.giaddr().getAddress());
        out.writeBytes(m.chaddr()).writeBytes(m.sname()).writeBytes(m.file());
        out.writeInt(MAGIC_COOKIE);
        for (Map.Entry<Integer, byte[]> e : m.options().rawMap().entrySet()) {
            byte[] v = e.getValue();
            int off = 0;
            do {
                int n = Math.min(MAX_OPTION_CHUNK, v.length - off);
                out.writeByte(e.getKey()).writeByte(n).writeBytes(v, off, n);
                off += n;
            } while (off < v.length);
        }
        out.writeByte(DhcpOption.END.code());
        int written = out.writerIndex() - start;
        if (written < m.paddedLength()) {
            out.writeZero(m.paddedLength() - written);
        }
        int total = out.writerIndex() - start;
        if (total > MAX_PACKET_LENGTH) {
            out.writerIndex(start);
            throw new IllegalArgumentException("encoded DHCP message of " + total + " bytes exceeds the " + MAX_PACKET_LENGTH + "-byte cap");
        }
    }

    static DhcpMessage decode(byte[] packet) {
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        try {
            return decode(buf);
        } finally {
            buf.release();
        }
    }

    static byte[] encode(DhcpMessage m) {
        ByteBuf buf = Unpooled.buffer(576);
        try {
            encode(m, buf);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    private static Inet4Address address(ByteBuf buf, int at) {
        return DhcpOptions.toInet4(bytes(buf, at, 4));
    }

    private static byte[] bytes(ByteBuf buf, int at, int n) {
        byte[] b = new byte[n];
        buf.getBytes(at, b);
        return b;
    }
}
