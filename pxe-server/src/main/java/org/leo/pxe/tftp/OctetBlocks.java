package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/** Octet mode: every block is a slice of the served file's bytes (copied once into its DATA packet). */
final class OctetBlocks implements TftpBlocks {
    private final ByteBuffer content;
    private final int blksize;

    /** @param content the file's bytes from position 0 to limit (a view this transfer owns) */
    OctetBlocks(ByteBuffer content, int blksize) {
        this.content = content;
        this.blksize = blksize;
    }

    @Override
    public long size() {
        return content.limit();
    }

    @Override
    public ByteBuf block(long seq) {
        int length = length(seq);
        return length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(peek(seq));
    }

    @Override
    public void copyTo(long seq, ByteBuf out) {
        out.writeBytes(peek(seq));
    }

    @Override
    public ByteBuffer peek(long seq) {
        return content.slice((int) ((seq - 1) * blksize), length(seq));
    }

    private int length(long seq) {
        long offset = (seq - 1) * blksize;
        return (int) Math.max(0, Math.min(blksize, content.limit() - offset));
    }

    @Override
    public void acknowledged(long seq) {
    }

    @Override
    public void release() {
    }
}
