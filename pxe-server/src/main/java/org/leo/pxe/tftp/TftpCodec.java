package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Pure translation between TFTP packets and bytes (RFC 1350 section 5, RFC 2347 option format).
 * No I/O, no state. {@link #decode} reads without moving the reader index and throws only
 * {@link TftpDecodeException}; every length is checked before it is used as an index.
 */
final class TftpCodec {
    /** RFC 2348: the smallest block size a client may ask for. */
    static final int MIN_BLKSIZE = 8;
    /** RFC 2348: the largest block size (65535 minus IP and UDP headers and the 4-byte TFTP header). */
    static final int MAX_BLKSIZE = 65464;
    /** The block size without options (RFC 1350). */
    static final int DEFAULT_BLKSIZE = 512;
    /** The largest legal TFTP packet: a DATA packet of {@link #MAX_BLKSIZE} bytes plus its 4-byte header. */
    static final int MAX_PACKET_LENGTH = 4 + MAX_BLKSIZE;
    /**
     * Requests longer than this are refused. RFC 2347 limits a request with options to 512 bytes;
     * four times that leaves room for long paths from lax clients while bounding what we parse.
     */
    static final int MAX_REQUEST_LENGTH = 2048;
    /** At most this many options per request or OACK: we know four, the rest is noise we need not keep. */
    static final int MAX_OPTIONS = 16;
    /** Option values of at most 18 decimal digits always fit a {@code long}. */
    static final int MAX_NUMBER_DIGITS = 18;
    /** Client text echoed in our error messages and logs is cut to this many characters. */
    static final int MAX_ECHO_CHARS = 40;

    static final String BLKSIZE = "blksize";
    static final String TSIZE = "tsize";
    static final String TIMEOUT = "timeout";
    static final String WINDOWSIZE = "windowsize";

    /** RFC 2349: timeout in seconds, 1..255. */
    static final int MIN_TIMEOUT = 1;
    static final int MAX_TIMEOUT = 255;
    /** RFC 7440: windowsize 1..65535 blocks. */
    static final int MIN_WINDOWSIZE = 1;
    static final int MAX_WINDOWSIZE = 65535;

    private TftpCodec() {
    }

    /**
     * Decodes one datagram payload. A returned {@link TftpData} holds a retained slice of
     * {@code in}: the caller releases it.
     */
    static TftpPacket decode(ByteBuf in) throws TftpDecodeException {
        int length = in.readableBytes();
        int start = in.readerIndex();
        int end = start + length;
        if (length < 2) {
            throw new TftpDecodeException(TftpErrorCode.ILLEGAL_OPERATION, false,
                    "packet too short: " + length + " bytes, an opcode needs 2");
        }
        int op = in.getUnsignedShort(start);
        boolean answerable = op != TftpOpcode.ERROR.code();
        if (length > MAX_PACKET_LENGTH) {
            throw new TftpDecodeException(TftpErrorCode.ILLEGAL_OPERATION, answerable,
                    "packet of " + length + " bytes exceeds the largest TFTP packet of " + MAX_PACKET_LENGTH + " bytes");
        }
        TftpOpcode opcode = TftpOpcode.of(op);
        if (opcode == null) {
            throw illegal("unknown opcode " + op);
        }
        int pos = start + 2;
        switch (opcode) {
            case RRQ, WRQ -> {
                if (length > MAX_REQUEST_LENGTH) {
                    throw illegal(opcode + " of " + length + " bytes exceeds the " + MAX_REQUEST_LENGTH
                            + "-byte limit for requests");
                }
                int nul = nulIndex(in, pos, end);
                if (nul < 0) {
                    throw illegal(opcode + " filename is not NUL-terminated");
                }
                if (nul == pos) {
                    throw illegal(opcode + " filename is empty");
                }
                String filename = utf8(in, pos, nul, opcode + " filename");
                pos = nul + 1;
                nul = nulIndex(in, pos, end);
                if (nul < 0) {
                    throw illegal(opcode + " mode is not NUL-terminated");
                }
                String modeName = utf8(in, pos, nul, opcode + " mode");
                TftpMode mode = TftpMode.of(modeName);
                if (mode == null) {
                    throw illegal(opcode + " mode '" + echo(modeName) + "' is not supported (octet or netascii)");
                }
                pos = nul + 1;
                return new TftpRequest(opcode, filename, mode, options(in, pos, end, opcode.name()));
            }
            case DATA -> {
                if (length < 4) {
                    throw illegal("DATA too short: " + length + " bytes, the header needs 4");
                }
                return new TftpData(in.getUnsignedShort(start + 2), in.retainedSlice(start + 4, length - 4));
            }
            case ACK -> {
                if (length < 4) {
                    throw illegal("ACK too short: " + length + " bytes, needs 4");
                }
                // Bytes after the block number are ignored: some clients pad their ACKs.
                return new TftpAck(in.getUnsignedShort(start + 2));
            }
            case ERROR -> {
                if (length < 5) {
                    throw new TftpDecodeException(TftpErrorCode.ILLEGAL_OPERATION, false,
                            "ERROR too short: " + length + " bytes, needs at least 5");
                }
                int code = in.getUnsignedShort(start + 2);
                int nul = nulIndex(in, start + 4, end);
                if (nul < 0) {
                    throw new TftpDecodeException(TftpErrorCode.ILLEGAL_OPERATION, false,
                            "ERROR message is not NUL-terminated");
                }
                // Lenient: a peer's error text is only logged, never interpreted.
                String message = in.toString(start + 4, nul - start - 4, StandardCharsets.UTF_8);
                return new TftpError(TftpErrorCode.valueOf(code), message);
            }
            case OACK -> {
                return new TftpOack(options(in, pos, end, "OACK"));
            }
            default -> throw illegal("unknown opcode " + op);
        }
    }

    /**
     * Reads {@code name NUL value NUL} pairs. Trailing NUL padding after the last pair is
     * tolerated. Names are lower-cased; the first occurrence of a name wins.
     */
    private static Map<String, String> options(ByteBuf in, int pos, int end, String what)
            throws TftpDecodeException {
        Map<String, String> options = new LinkedHashMap<>();
        int count = 0;
        while (pos < end) {
            if (allNul(in, pos, end)) {
                break;
            }
            int nul = nulIndex(in, pos, end);
            if (nul < 0) {
                throw illegal(what + " option name is not NUL-terminated");
            }
            if (nul == pos) {
                throw illegal(what + " option name is empty");
            }
            String name = utf8(in, pos, nul, what + " option name").toLowerCase(Locale.ROOT);
            pos = nul + 1;
            if (pos >= end) {
                throw illegal(what + " option list is odd: option '" + echo(name) + "' has no value");
            }
            nul = nulIndex(in, pos, end);
            if (nul < 0) {
                throw illegal(what + " option '" + echo(name) + "' value is not NUL-terminated");
            }
            String value = utf8(in, pos, nul, what + " option '" + echo(name) + "' value");
            pos = nul + 1;
            if (++count > MAX_OPTIONS) {
                throw illegal(what + " has more than " + MAX_OPTIONS + " options");
            }
            checkValue(name, value);
            options.putIfAbsent(name, value);
        }
        return options;
    }

    /** Checks the value of an option this server knows; unknown options pass unchecked. */
    private static void checkValue(String name, String value) throws TftpDecodeException {
        switch (name) {
            case BLKSIZE -> {
                long v = number(name, value);
                if (v < MIN_BLKSIZE) {
                    throw negotiation("option blksize " + v + " out of range (at least " + MIN_BLKSIZE + ")");
                }
            }
            case TSIZE -> number(name, value);
            case TIMEOUT -> {
                long v = number(name, value);
                if (v < MIN_TIMEOUT || v > MAX_TIMEOUT) {
                    throw negotiation("option timeout " + v + " out of range " + MIN_TIMEOUT + ".." + MAX_TIMEOUT);
                }
            }
            case WINDOWSIZE -> {
                long v = number(name, value);
                if (v < MIN_WINDOWSIZE || v > MAX_WINDOWSIZE) {
                    throw negotiation("option windowsize " + v + " out of range " + MIN_WINDOWSIZE + ".."
                            + MAX_WINDOWSIZE);
                }
            }
            default -> { }
        }
    }

    /** Parses a decimal option value of 1..{@link #MAX_NUMBER_DIGITS} ASCII digits. */
    static long number(String name, String value) throws TftpDecodeException {
        int n = value.length();
        if (n == 0 || n > MAX_NUMBER_DIGITS) {
            throw negotiation("option " + name + " value '" + echo(value) + "' is not a number");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw negotiation("option " + name + " value '" + echo(value) + "' is not a number");
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Encodes any packet into a new buffer from {@code alloc}. DATA content is copied (tests, tools). */
    static ByteBuf encode(ByteBufAllocator alloc, TftpPacket packet) {
        ByteBuf out = alloc.ioBuffer();
        out.writeShort(packet.opcode().code());
        if (packet instanceof TftpRequest r) {
            writeString(out, r.filename());
            writeString(out, r.mode().wireName());
            writeOptions(out, r.options());
        } else if (packet instanceof TftpData d) {
            out.writeShort(d.block());
            out.writeBytes(d.content(), d.content().readerIndex(), d.content().readableBytes());
        } else if (packet instanceof TftpAck a) {
            out.writeShort(a.block());
        } else if (packet instanceof TftpError e) {
            out.writeShort(e.code().code());
            writeString(out, e.message());
        } else if (packet instanceof TftpOack o) {
            writeOptions(out, o.options());
        }
        return out;
    }

    /**
     * Appends a DATA header (opcode, then the block number: {@code seq} modulo 65536) to {@code out};
     * the caller appends the payload after it. Each DATA packet is one contiguous buffer: one
     * pooled allocation and one copy are cheaper per block than a composite of header and a wrapped
     * slice (profiled: the composite's I/O vector bookkeeping cost more than copying 1432 bytes).
     */
    static ByteBuf writeDataHeader(ByteBuf out, long seq) {
        return out.writeShort(TftpOpcode.DATA.code()).writeShort((int) (seq & 0xFFFF));
    }

    /**
     * The block number of {@code in} if it is an ACK that {@link #decode} accepts, else -1; for the
     * transfer's hot path, which gets one ACK per block and needs no packet object for it.
     */
    static int ackBlock(ByteBuf in) {
        int length = in.readableBytes();
        if (length < 4 || length > MAX_PACKET_LENGTH || in.getUnsignedShort(in.readerIndex()) != TftpOpcode.ACK.code()) {
            return -1;
        }
        return in.getUnsignedShort(in.readerIndex() + 2);
    }

    /** Client text made safe to echo: printable ASCII only, at most {@link #MAX_ECHO_CHARS} characters. */
    static String echo(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_ECHO_CHARS + 3));
        for (int i = 0; i < s.length(); i++) {
            if (i == MAX_ECHO_CHARS) {
                b.append("...");
                break;
            }
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return b.toString();
    }

    private static void writeOptions(ByteBuf out, Map<String, String> options) {
        for (Map.Entry<String, String> e : options.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    /** Writes UTF-8 and a NUL; a NUL inside the text (never in decoded text) becomes '?'. */
    private static void writeString(ByteBuf out, String s) {
        int from = out.writerIndex();
        ByteBufUtil.writeUtf8(out, s);
        for (int i = from; i < out.writerIndex(); i++) {
            if (out.getByte(i) == 0) {
                out.setByte(i, '?');
            }
        }
        out.writeByte(0);
    }

    private static int nulIndex(ByteBuf in, int from, int end) {
        return from >= end ? -1 : in.indexOf(from, end, (byte) 0);
    }

    private static boolean allNul(ByteBuf in, int from, int end) {
        for (int i = from; i < end; i++) {
            if (in.getByte(i) != 0) {
                return false;
            }
        }
        return true;
    }

    private static String utf8(ByteBuf in, int from, int to, String what) throws TftpDecodeException {
        ByteBuffer bytes = in.nioBuffer(from, to - from);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw illegal(what + " is not valid UTF-8");
        }
    }

    private static TftpDecodeException illegal(String message) {
        return new TftpDecodeException(TftpErrorCode.ILLEGAL_OPERATION, true, message);
    }

    private static TftpDecodeException negotiation(String message) {
        return new TftpDecodeException(TftpErrorCode.OPTION_NEGOTIATION, true, message);
    }
}
