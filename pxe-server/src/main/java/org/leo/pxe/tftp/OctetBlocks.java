package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;

/** Octet mode: every block is a zero-copy slice of the served file's bytes. */
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
        long offset = (seq - 1) * blksize;
        int length = (int) Math.max(0, Math.min(blksize, content.limit() - offset));
        if (length == 0) {
            return Unpooled.EMPTY_BUFFER;
        }
        return Unpooled.wrappedBuffer(content.slice((int) offset, length));
    }

    @Override
    public void acknowledged(long seq) {
    }

    @Override
    public void release() {
    }
}
