package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TftpBlocksTest {
    private static String take(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.ISO_8859_1);
        } finally {
            b.release();
        }
    }

    private static ByteBuffer direct(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).put(bytes);
        return b.flip().asReadOnlyBuffer();
    }

    @Test
    void netasciiRetransmissionsRepeatTheSameConvertedBytesAndPairsStraddleBlocks() {
        // "ab\n" -> "ab\r\n": the LF lands in block 2; "\r" -> "\r\0"
        NetasciiBlocks blocks = new NetasciiBlocks(direct("ab\ncd\re"), 3, 2, ByteBufAllocator.DEFAULT);
        assertThat(blocks.size()).isEqualTo(9);
        assertThat(take(blocks.block(1))).isEqualTo("ab\r");
        assertThat(take(blocks.block(2))).isEqualTo("\ncd");
        assertThat(StandardCharsets.ISO_8859_1.decode(blocks.peek(2)).toString()).isEqualTo("\ncd");
        blocks.acknowledged(1);
        assertThat(take(blocks.block(2))).isEqualTo("\ncd"); // resent: same bytes
        assertThat(take(blocks.block(3))).isEqualTo("\r\0e");
        blocks.acknowledged(3);
        assertThat(take(blocks.block(4))).isEmpty(); // 9 bytes = 3 full blocks, then an empty one
        blocks.release(); // paranoid leak detection checks the ring was freed
    }

    @Test
    void octetBlocksAreSlicesOfTheContent() {
        OctetBlocks blocks = new OctetBlocks(direct("0123456789"), 4);
        assertThat(blocks.size()).isEqualTo(10);
        assertThat(take(blocks.block(1))).isEqualTo("0123");
        assertThat(take(blocks.block(3))).isEqualTo("89");
        assertThat(blocks.peek(3).remaining()).isEqualTo(2);
        ByteBuf empty = new OctetBlocks(direct("0123"), 4).block(2);
        assertThat(ByteBufUtil.getBytes(empty)).isEmpty();
        empty.release();
    }
}
