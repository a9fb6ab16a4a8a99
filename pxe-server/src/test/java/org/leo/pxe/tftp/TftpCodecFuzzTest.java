package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;

/**
 * Fuzzes {@link TftpCodec#decode} (and checks the fast ACK path {@link TftpCodec#ackBlock} agrees with it). Seeds (resources ...TftpCodecFuzzTestInputs/decode/) are RRQs
 * captured on loopback from atftp, tftp-hpa, busybox and curl, plus OVMF/iPXE-style requests,
 * ACK, ERROR 8, DATA and OACK packets.
 */
class TftpCodecFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(byte[] input) {
        ByteBuf in = Unpooled.wrappedBuffer(input);
        TftpPacket packet;
        try {
            packet = TftpCodec.decode(in);
        } catch (TftpDecodeException e) {
            // the codec's only documented failure: a reply-safe message, never a crash
            assertThat(e.getMessage()).isNotEmpty().doesNotContain("\0");
            assertThat(e.errorCode()).isNotNull();
            assertThat(TftpCodec.ackBlock(in)).as("fast ACK path on a packet decode rejects").isEqualTo(-1);
            return;
        }
        try {
            assertThat(in.readerIndex()).isZero();
            // the transfer's fast ACK path reads exactly what the decoder reads
            assertThat(TftpCodec.ackBlock(in)).isEqualTo(packet instanceof TftpAck ack ? ack.block() : -1);
            ByteBuf encoded = TftpCodec.encode(ByteBufAllocator.DEFAULT, packet);
            try {
                TftpPacket again = TftpCodec.decode(encoded);
                try {
                    assertThat(again).isEqualTo(packet);
                } finally {
                    ReferenceCountUtil.release(again);
                }
            } catch (TftpDecodeException e) {
                throw new AssertionError("re-encoded " + packet + " does not decode: " + e.getMessage(), e);
            } finally {
                encoded.release();
            }
        } finally {
            ReferenceCountUtil.release(packet);
        }
    }
}
