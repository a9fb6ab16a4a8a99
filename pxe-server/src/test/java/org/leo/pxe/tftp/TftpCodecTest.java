package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TftpCodecTest {
    private static byte[] bytes(Object... parts) {
        ByteBuf b = Unpooled.buffer();
        for (Object p : parts) {
            if (p instanceof Integer i) {
                b.writeByte(i);
            } else {
                b.writeBytes(((String) p).getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        return out;
    }

    private static TftpPacket decode(byte[] b) throws TftpDecodeException {
        return TftpCodec.decode(Unpooled.wrappedBuffer(b));
    }

    static Stream<Arguments> malformed() {
        byte[] oversize = new byte[TftpCodec.MAX_PACKET_LENGTH + 1];
        oversize[1] = 3;
        byte[] longRrq = new byte[TftpCodec.MAX_REQUEST_LENGTH + 1];
        longRrq[1] = 1;
        return Stream.of(
            Arguments.of("empty", new byte[0], 4, false, "packet too short: 0 bytes, an opcode needs 2"),
            Arguments.of("one byte", new byte[] {0}, 4, false, "packet too short: 1 bytes, an opcode needs 2"),
            Arguments.of("opcode 0", bytes(0, 0, "x", 0), 4, true, "unknown opcode 0"),
            Arguments.of("opcode 7", bytes(0, 7), 4, true, "unknown opcode 7"),
            Arguments.of("opcode 65535", bytes(255, 255, 1, 2), 4, true, "unknown opcode 65535"),
            Arguments.of("no NUL after filename", bytes(0, 1, "vmlinuz"), 4, true, "RRQ filename is not NUL-terminated"),
            Arguments.of("empty filename", bytes(0, 1, 0, "octet", 0), 4, true, "RRQ filename is empty"),
            Arguments.of("no mode", bytes(0, 1, "f", 0), 4, true, "RRQ mode is not NUL-terminated"),
            Arguments.of("no NUL after mode", bytes(0, 2, "f", 0, "octet"), 4, true, "WRQ mode is not NUL-terminated"),
            Arguments.of("mail mode", bytes(0, 1, "f", 0, "mail", 0), 4, true,
                    "RRQ mode 'mail' is not supported (octet or netascii)"),
            Arguments.of("filename not UTF-8", bytes(0, 1, 0xC3, 0x28, 0, "octet", 0), 4, true,
                    "RRQ filename is not valid UTF-8"),
            Arguments.of("odd option list", bytes(0, 1, "f", 0, "octet", 0, "blksize", 0), 4, true,
                    "RRQ option list is odd: option 'blksize' has no value"),
            Arguments.of("option value without NUL", bytes(0, 1, "f", 0, "octet", 0, "blksize", 0, "1432"), 4, true,
                    "RRQ option 'blksize' value is not NUL-terminated"),
            Arguments.of("option name without NUL", bytes(0, 1, "f", 0, "octet", 0, "blk"), 4, true,
                    "RRQ option name is not NUL-terminated"),
            Arguments.of("empty option name", bytes(0, 1, "f", 0, "octet", 0, 0, "1", 0), 4, true,
                    "RRQ option name is empty"),
            Arguments.of("blksize not a number", bytes(0, 1, "f", 0, "octet", 0, "blksize", 0, "1x", 0), 8, true,
                    "option blksize value '1x' is not a number"),
            Arguments.of("tsize negative", bytes(0, 1, "f", 0, "octet", 0, "tsize", 0, "-1", 0), 8, true,
                    "option tsize value '-1' is not a number"),
            Arguments.of("empty value", bytes(0, 1, "f", 0, "octet", 0, "timeout", 0, 0), 8, true,
                    "option timeout value '' is not a number"),
            Arguments.of("number too long", bytes(0, 1, "f", 0, "octet", 0, "tsize", 0, "1234567890123456789", 0), 8,
                    true, "option tsize value '1234567890123456789' is not a number"),
            Arguments.of("blksize below 8", bytes(0, 1, "f", 0, "octet", 0, "blksize", 0, "7", 0), 8, true,
                    "option blksize 7 out of range (at least 8)"),
            Arguments.of("timeout 0", bytes(0, 1, "f", 0, "octet", 0, "timeout", 0, "0", 0), 8, true,
                    "option timeout 0 out of range 1..255"),
            Arguments.of("timeout 256", bytes(0, 1, "f", 0, "octet", 0, "timeout", 0, "256", 0), 8, true,
                    "option timeout 256 out of range 1..255"),
            Arguments.of("windowsize 0", bytes(0, 1, "f", 0, "octet", 0, "windowsize", 0, "0", 0), 8, true,
                    "option windowsize 0 out of range 1..65535"),
            Arguments.of("windowsize 65536", bytes(0, 1, "f", 0, "octet", 0, "windowsize", 0, "65536", 0), 8, true,
                    "option windowsize 65536 out of range 1..65535"),
            Arguments.of("too many options", tooManyOptions(), 4, true, "RRQ has more than 16 options"),
            Arguments.of("oversize packet", oversize, 4, true,
                    "packet of 65469 bytes exceeds the largest TFTP packet of 65468 bytes"),
            Arguments.of("oversize request", longRrq, 4, true,
                    "RRQ of 2049 bytes exceeds the 2048-byte limit for requests"),
            Arguments.of("short DATA", bytes(0, 3, 0), 4, true, "DATA too short: 3 bytes, the header needs 4"),
            Arguments.of("short ACK", bytes(0, 4, 0), 4, true, "ACK too short: 3 bytes, needs 4"),
            Arguments.of("short ERROR", bytes(0, 5, 0, 1), 4, false, "ERROR too short: 4 bytes, needs at least 5"),
            Arguments.of("ERROR without NUL", bytes(0, 5, 0, 1, "oops"), 4, false, "ERROR message is not NUL-terminated"),
            Arguments.of("control characters echoed safely", bytes(0, 1, "f", 0, "oc\ntet", 0), 4, true,
                    "RRQ mode 'oc?tet' is not supported (octet or netascii)"));
    }

    private static byte[] tooManyOptions() {
        StringBuilder b = new StringBuilder("\0\1f\0octet\0");
        for (int i = 0; i < 17; i++) {
            b.append("x").append(i).append("\0").append("1\0");
        }
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedPacketsAreRejectedWithExactText(String name, byte[] packet, int code, boolean answerable,
                                                   String message) {
        assertThatThrownBy(() -> decode(packet))
                .isInstanceOfSatisfying(TftpDecodeException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo(message);
                    assertThat(e.errorCode().code()).isEqualTo(code);
                    assertThat(e.answerable()).isEqualTo(answerable);
                });
    }

    @Test
    void decodesRealClientRequests() throws Exception {
        // atftp --option "blksize 1432" --option "tsize 0" --option "windowsize 16", captured on loopback
        TftpPacket p = decode(bytes(0, 1, "vmlinuz", 0, "octet", 0, "tsize", 0, "0", 0, "blksize", 0, "1432", 0,
                "windowsize", 0, "16", 0));
        assertThat(p).isEqualTo(new TftpRequest(TftpOpcode.RRQ, "vmlinuz", TftpMode.OCTET,
                map("tsize", "0", "blksize", "1432", "windowsize", "16")));
        // tftp-hpa -m ascii
        assertThat(decode(bytes(0, 1, "boot.ipxe", 0, "netascii", 0)))
                .isEqualTo(new TftpRequest(TftpOpcode.RRQ, "boot.ipxe", TftpMode.NETASCII, map()));
    }

    @Test
    void optionNamesAreLowerCasedFirstDuplicateWinsAndNulPaddingIsTolerated() throws Exception {
        TftpRequest r = (TftpRequest) decode(bytes(0, 1, "f", 0, "OCTET", 0, "BlkSize", 0, "1024", 0,
                "blksize", 0, "2048", 0, "X-Vendor", 0, "Ab", 0, 0, 0, 0));
        assertThat(r.mode()).isEqualTo(TftpMode.OCTET);
        assertThat(r.options()).containsExactly(Map.entry("blksize", "1024"), Map.entry("x-vendor", "Ab"));
    }

    @Test
    void blksizeAboveTheRfcMaximumIsAcceptedForClamping() throws Exception {
        TftpRequest r = (TftpRequest) decode(bytes(0, 1, "f", 0, "octet", 0, "blksize", 0, "65535", 0));
        assertThat(r.options()).containsEntry("blksize", "65535");
    }

    @Test
    void errorCodesAreAnOpenValueClass() throws Exception {
        TftpError e = (TftpError) decode(bytes(0, 5, 0, 8, "User aborted the transfer", 0));
        assertThat(e.code()).isEqualTo(TftpErrorCode.OPTION_NEGOTIATION);
        assertThat(e.code().toString()).isEqualTo("OPTION_NEGOTIATION(8)");
        TftpError unknown = (TftpError) decode(bytes(0, 5, 0, 42, 0));
        assertThat(unknown.code().toString()).isEqualTo("UNKNOWN(42)");
        assertThat(unknown.code()).isEqualTo(TftpErrorCode.valueOf(42));
    }

    static Stream<TftpPacket> packets() {
        return Stream.of(
                new TftpRequest(TftpOpcode.RRQ, "pxelinux.cfg/01-52-54-00-77-00-10", TftpMode.OCTET,
                        map("tsize", "0", "blksize", "1468", "windowsize", "4")),
                new TftpRequest(TftpOpcode.WRQ, "Grüße", TftpMode.NETASCII, map()),
                new TftpAck(0), new TftpAck(65535),
                new TftpError(TftpErrorCode.UNKNOWN_TID, "Unknown transfer ID"),
                new TftpError(TftpErrorCode.valueOf(99), ""),
                new TftpOack(map("blksize", "1432", "tsize", "123456789")),
                new TftpOack(map()));
    }

    @ParameterizedTest
    @MethodSource("packets")
    void encodeDecodeRoundTrips(TftpPacket packet) throws Exception {
        ByteBuf b = TftpCodec.encode(ByteBufAllocator.DEFAULT, packet);
        try {
            assertThat(TftpCodec.decode(b)).isEqualTo(packet);
        } finally {
            b.release();
        }
    }

    @Test
    void dataRoundTripsAndSharesTheBuffer() throws Exception {
        TftpData data = new TftpData(65535, Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
        ByteBuf b = TftpCodec.encode(ByteBufAllocator.DEFAULT, data);
        try {
            TftpData back = (TftpData) TftpCodec.decode(b);
            assertThat(back.block()).isEqualTo(65535);
            assertThat(back.content()).isEqualTo(Unpooled.wrappedBuffer(new byte[] {1, 2, 3}));
            back.release();
        } finally {
            b.release();
            data.release();
        }
    }

    @Test
    void dataHeaderWrapsBlockNumbersAndBlocksAppendTheirPayload() {
        ByteBuf h = ByteBufAllocator.DEFAULT.directBuffer(16);
        try {
            new OctetBlocks(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}), 3).copyTo(2, TftpCodec.writeDataHeader(h, 65536 + 7));
            assertThat(h.getUnsignedShort(0)).isEqualTo(3);
            assertThat(h.getUnsignedShort(2)).isEqualTo(7);
            assertThat(h.readableBytes()).isEqualTo(6);
            assertThat(h.getByte(4)).isEqualTo((byte) 4);
            assertThat(h.getByte(5)).isEqualTo((byte) 5);
        } finally {
            h.release();
        }
    }

    /** The hot-path ACK reader accepts exactly what the decoder decodes as an ACK, with the same block. */
    @Test
    void ackFastPathAgreesWithTheDecoder() {
        byte[][] cases = {
            {0, 4, 0, 7}, {0, 4, (byte) 0xff, (byte) 0xff, 0, 0}, {0, 4, 0}, {0, 3, 0, 1, 9}, {0, 5, 0, 1, 0},
            {0, 4}, {}, new byte[TftpCodec.MAX_PACKET_LENGTH + 1],
        };
        cases[cases.length - 1][1] = 4;
        for (byte[] c : cases) {
            ByteBuf in = io.netty.buffer.Unpooled.wrappedBuffer(c);
            int expected;
            try {
                TftpPacket p = TftpCodec.decode(in);
                expected = p instanceof TftpAck ack ? ack.block() : -1;
                io.netty.util.ReferenceCountUtil.release(p);
            } catch (TftpDecodeException e) {
                expected = -1;
            }
            assertThat(TftpCodec.ackBlock(in)).as("%s", java.util.Arrays.toString(c)).isEqualTo(expected);
        }
    }

    @Test
    void bitFlipsNeverThrowAnythingButTheDecodeException() {
        byte[] base = bytes(0, 1, "vmlinuz", 0, "octet", 0, "tsize", 0, "0", 0, "blksize", 0, "1432", 0);
        Random random = new Random(42);
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] b = base.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) {
                b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            }
            try {
                TftpPacket p = decode(b);
                io.netty.util.ReferenceCountUtil.release(p);
                accepted++;
            } catch (TftpDecodeException e) {
                assertThat(e.getMessage()).isNotBlank().doesNotContain("\0");
                rejected++;
            }
        }
        assertThat(accepted).isPositive();
        assertThat(rejected).isPositive();
    }

    private static Map<String, String> map(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
