package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * The payload of each DATA block of one transfer, by sequence number (1 = first block; sequence
 * numbers do not wrap, block numbers on the wire do). Blocks are asked for in order, except that
 * blocks after the last acknowledged one may be asked for again (retransmission).
 */
interface TftpBlocks {
    /** The number of bytes the client receives in total. */
    long size();

    /**
     * The payload of block {@code seq}; the caller owns the returned buffer (releases it, or lets
     * a write release it). Only blocks after the last {@link #acknowledged} one may be asked for.
     */
    ByteBuf block(long seq);

    /** Appends the payload of block {@code seq} to {@code out} (same rules as {@link #block}). */
    default void copyTo(long seq, ByteBuf out) {
        ByteBuf payload = block(seq);
        try {
            out.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        } finally {
            payload.release();
        }
    }

    /**
     * A read-only view of the bytes of block {@code seq}, which was sent and not yet acknowledged,
     * for hashing; valid until the next call of {@link #acknowledged}.
     */
    ByteBuffer peek(long seq);

    /** Blocks up to and including {@code seq} will not be asked for again. */
    void acknowledged(long seq);

    /** Frees what the blocks hold. Called once when the transfer ends. */
    void release();
}
