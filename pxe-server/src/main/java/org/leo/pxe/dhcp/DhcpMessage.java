package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * One DHCP message (RFC 2131 2, figure 1): the fixed BOOTP header plus {@link DhcpOptions}.
 * Immutable. {@code sname} and {@code file} are kept as their raw fixed-size fields so that a
 * decoded packet re-encodes byte for byte; {@link #fileName()} and {@link #serverName()} give the
 * NUL-terminated text. {@code paddedLength} is the size the encoder zero-pads to after END
 * (clients pad to the 300-byte BOOTP minimum, RFC 1542 2.1); 0 means no padding. Padding is a wire
 * detail: {@link #equals(Object)} compares content (header, fields, options) and ignores it.
 */
public final class DhcpMessage {
    public static final int OP_BOOTREQUEST = 1;
    public static final int OP_BOOTREPLY = 2;
    public static final int HTYPE_ETHERNET = 1;
    /** RFC 2131 2: the leftmost bit of flags asks the server to broadcast its reply. */
    public static final int FLAG_BROADCAST = 0x8000;
    public static final int CHADDR_LENGTH = 16;
    public static final int SNAME_LENGTH = 64;
    public static final int FILE_LENGTH = 128;

    private final int op;
    private final int htype;
    private final int hlen;
    private final int hops;
    private final int xid;
    private final int secs;
    private final int flags;
    private final Inet4Address ciaddr;
    private final Inet4Address yiaddr;
    private final Inet4Address siaddr;
    private final Inet4Address giaddr;
    private final byte[] chaddr;
    private final byte[] sname;
    private final byte[] file;
    private final DhcpOptions options;
    private final int paddedLength;

    private DhcpMessage(Builder b) {
        op = b.op;
        htype = b.htype;
        hlen = b.hlen;
        hops = b.hops;
        xid = b.xid;
        secs = b.secs;
        flags = b.flags;
        ciaddr = b.ciaddr;
        yiaddr = b.yiaddr;
        siaddr = b.siaddr;
        giaddr = b.giaddr;
        chaddr = b.chaddr.clone();
        sname = b.sname.clone();
        file = b.file.clone();
        options = b.options;
        paddedLength = b.paddedLength;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.op = op;
        b.htype = htype;
        b.hlen = hlen;
        b.hops = hops;
        b.xid = xid;
        b.secs = secs;
        b.flags = flags;
        b.ciaddr = ciaddr;
        b.yiaddr = yiaddr;
        b.siaddr = siaddr;
        b.giaddr = giaddr;
        b.chaddr = chaddr.clone();
        b.sname = sname.clone();
        b.file = file.clone();
        b.options = options;
        b.paddedLength = paddedLength;
        return b;
    }

    public int op() { return op; }
    public int htype() { return htype; }
    public int hlen() { return hlen; }
    public int hops() { return hops; }
    public int xid() { return xid; }
    public int secs() { return secs; }
    public int flags() { return flags; }
    public Inet4Address ciaddr() { return ciaddr; }
    public Inet4Address yiaddr() { return yiaddr; }
    public Inet4Address siaddr() { return siaddr; }
    public Inet4Address giaddr() { return giaddr; }
    public DhcpOptions options() { return options; }
    public int paddedLength() { return paddedLength; }

    /** The 16-byte chaddr field (copy). */
    public byte[] chaddr() { return chaddr.clone(); }
    /** The raw 64-byte sname field (copy). */
    public byte[] sname() { return sname.clone(); }
    /** The raw 128-byte file field (copy). */
    public byte[] file() { return file.clone(); }

    /** The client MAC when htype is Ethernet and hlen 6, the only hardware this server serves. */
    public Optional<MacAddress> mac() {
        return htype == HTYPE_ETHERNET && hlen == MacAddress.LENGTH ? Optional.of(MacAddress.of(chaddr, 0)) : Optional.empty();
    }

    /** Option 53; {@link DhcpFormatException} if absent (the decoder guarantees it is present and valid). */
    public DhcpMessageType type() {
        return options.messageType();
    }

    public boolean broadcastFlag() {
        return (flags & FLAG_BROADCAST) != 0;
    }

    /** The file field up to its first NUL. */
    public String fileName() {
        return cString(file);
    }

    /** The sname field up to its first NUL. */
    public String serverName() {
        return cString(sname);
    }

    /** {@code xid} as eight hex digits, as in every log line about this exchange. */
    public String xidHex() {
        return String.format("%08x", xid);
    }

    private static String cString(byte[] field) {
        int n = 0;
        while (n < field.length && field[n] != 0) {
            n++;
        }
        return new String(field, 0, n, StandardCharsets.ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhcpMessage m && op == m.op && htype == m.htype && hlen == m.hlen && hops == m.hops
                && xid == m.xid && secs == m.secs && flags == m.flags && ciaddr.equals(m.ciaddr)
                && yiaddr.equals(m.yiaddr) && siaddr.equals(m.siaddr) && giaddr.equals(m.giaddr)
                && Arrays.equals(chaddr, m.chaddr) && Arrays.equals(sname, m.sname) && Arrays.equals(file, m.file)
                && options.equals(m.options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(op, xid, ciaddr, yiaddr, Arrays.hashCode(chaddr), options);
    }

    @Override
    public String toString() {
        String t;
        try {
            t = type().name();
        } catch (DhcpFormatException e) {
            t = "BOOTP";
        }
        return "DHCP " + t + " xid=" + xidHex() + " chaddr=" + HexFormat.of().formatHex(chaddr, 0, Math.min(hlen, CHADDR_LENGTH))
                + " ciaddr=" + ciaddr.getHostAddress() + " yiaddr=" + yiaddr.getHostAddress()
                + " siaddr=" + siaddr.getHostAddress() + " giaddr=" + giaddr.getHostAddress()
                + " file='" + fileName() + "' options[" + options + "]";
    }

    /** Builds a message; every address defaults to 0.0.0.0, op to BOOTREPLY, htype/hlen to Ethernet. */
    public static final class Builder {
        private static final Inet4Address ZERO = DhcpOptions.toInet4(new byte[4]);
        private int op = OP_BOOTREPLY;
        private int htype = HTYPE_ETHERNET;
        private int hlen = MacAddress.LENGTH;
        private int hops;
        private int xid;
        private int secs;
        private int flags;
        private Inet4Address ciaddr = ZERO;
        private Inet4Address yiaddr = ZERO;
        private Inet4Address siaddr = ZERO;
        private Inet4Address giaddr = ZERO;
        private byte[] chaddr = new byte[CHADDR_LENGTH];
        private byte[] sname = new byte[SNAME_LENGTH];
        private byte[] file = new byte[FILE_LENGTH];
        private DhcpOptions options = DhcpOptions.EMPTY;
        private int paddedLength;

        public Builder op(int v) { op = u8(v, "op"); return this; }
        public Builder htype(int v) { htype = u8(v, "htype"); return this; }
        /** Hardware address length; at most 16 (the chaddr field). */
        public Builder hlen(int v) {
            if (v < 0 || v > CHADDR_LENGTH) {
                throw new IllegalArgumentException("hlen " + v + " exceeds the 16-byte chaddr field");
            }
            hlen = v;
            return this;
        }
        public Builder hops(int v) { hops = u8(v, "hops"); return this; }
        public Builder xid(int v) { xid = v; return this; }
        public Builder secs(int v) { secs = u16(v, "secs"); return this; }
        public Builder flags(int v) { flags = u16(v, "flags"); return this; }
        public Builder ciaddr(Inet4Address v) { ciaddr = Objects.requireNonNull(v); return this; }
        public Builder yiaddr(Inet4Address v) { yiaddr = Objects.requireNonNull(v); return this; }
        public Builder siaddr(Inet4Address v) { siaddr = Objects.requireNonNull(v); return this; }
        public Builder giaddr(Inet4Address v) { giaddr = Objects.requireNonNull(v); return this; }
        public Builder options(DhcpOptions v) { options = Objects.requireNonNull(v); return this; }
        /** Zero-pad the encoded packet to this many bytes (0: none). */
        public Builder paddedLength(int v) { paddedLength = Math.max(0, v); return this; }

        /** Sets chaddr to {@code mac} (zero-filled to 16) and htype/hlen to Ethernet. */
        public Builder chaddr(MacAddress mac) {
            chaddr = Arrays.copyOf(mac.toByteArray(), CHADDR_LENGTH);
            htype = HTYPE_ETHERNET;
            hlen = MacAddress.LENGTH;
            return this;
        }

        /** The raw 16-byte chaddr field. */
        public Builder chaddr(byte[] raw) { chaddr = fixed(raw, CHADDR_LENGTH, "chaddr"); return this; }
        /** The raw 64-byte sname field. */
        public Builder sname(byte[] raw) { sname = fixed(raw, SNAME_LENGTH, "sname"); return this; }
        /** The raw 128-byte file field. */
        public Builder file(byte[] raw) { file = fixed(raw, FILE_LENGTH, "file"); return this; }

        /** The file field as NUL-terminated text; needs to fit in 127 bytes. */
        public Builder fileName(String name) {
            file = text(name, FILE_LENGTH, "file");
            return this;
        }

        /** The sname field as NUL-terminated text; needs to fit in 63 bytes. */
        public Builder serverName(String name) {
            sname = text(name, SNAME_LENGTH, "sname");
            return this;
        }

        public DhcpMessage build() {
            return new DhcpMessage(this);
        }

        private static byte[] text(String s, int size, String field) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            if (b.length >= size) {
                throw new IllegalArgumentException(field + " text of " + b.length + " bytes does not fit in " + (size - 1));
            }
            return Arrays.copyOf(b, size);
        }

        private static byte[] fixed(byte[] raw, int size, String field) {
            if (raw.length != size) {
                throw new IllegalArgumentException(field + " must be " + size + " bytes, got " + raw.length);
            }
            return raw.clone();
        }

        private static int u8(int v, String field) {
            if (v < 0 || v > 0xff) {
                throw new IllegalArgumentException(field + " out of range 0..255: " + v);
            }
            return v;
        }

        private static int u16(int v, String field) {
            if (v < 0 || v > 0xffff) {
                throw new IllegalArgumentException(field + " out of range 0..65535: " + v);
            }
            return v;
        }
    }
}
