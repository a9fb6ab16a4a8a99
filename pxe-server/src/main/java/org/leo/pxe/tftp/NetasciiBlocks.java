package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/**
 * Netascii mode (RFC 1350, RFC 764): converts on the fly, LF to CR LF and CR to CR NUL. A pair
 * may straddle two blocks. Converted blocks not yet acknowledged are kept (at most one window) so
 * a retransmission sends the same bytes.
 */
final class NetasciiBlocks implements TftpBlocks {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final int NONE = -1;

    private final ByteBuffer source;
    private final int blksize;
    private final ByteBufAllocator alloc;
    private final long size;
    /** Converted blocks {@code firstKept .. firstKept + kept - 1}, ring indexed by {@code seq % ring.length}. */
    private final ByteBuf[] ring;
    private long firstKept = 1;
    private int kept;
    private int sourcePos;
    /** The second byte of a pair whose CR ended the previous block, or {@link #NONE}. */
    private int pending = NONE;

    NetasciiBlocks(ByteBuffer source, int blksize, int windowsize, ByteBufAllocator alloc) {
        this.source = source;
        this.blksize = blksize;
        this.alloc = alloc;
        this.size = convertedSize(source);
        this.ring = new ByteBuf[windowsize];
    }

    /** The size after conversion: one extra byte per CR and per LF. */
    static long convertedSize(ByteBuffer source) {
        long n = source.limit();
        for (int i = 0; i < source.limit(); i++) {
            byte b = source.get(i);
            if (b == CR || b == LF) {
                n++;
            }
        }
        return n;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public ByteBuf block(long seq) {
        if (seq < firstKept || seq > firstKept + kept) {
            throw new IllegalStateException("block " + seq + " outside the kept window " + firstKept + "+" + kept);
        }
        if (seq == firstKept + kept) {
            if (kept == ring.length) {
                throw new IllegalStateException("window of " + ring.length + " blocks is full");
            }
            ring[(int) (seq % ring.length)] = convertNext();
            kept++;
        }
        return ring[(int) (seq % ring.length)].retainedDuplicate();
    }

    @Override
    public ByteBuffer peek(long seq) {
        if (seq < firstKept || seq >= firstKept + kept) {
            throw new IllegalStateException("block " + seq + " outside the kept window " + firstKept + "+" + kept);
        }
        ByteBuf b = ring[(int) (seq % ring.length)];
        return b.nioBuffer(b.readerIndex(), b.readableBytes()).asReadOnlyBuffer();
    }

    private ByteBuf convertNext() {
        ByteBuf out = alloc.ioBuffer(blksize, blksize);
        int limit = source.limit();
        while (out.writerIndex() < blksize) {
            if (pending != NONE) {
                out.writeByte(pending);
                pending = NONE;
            } else if (sourcePos < limit) {
                byte b = source.get(sourcePos++);
                if (b == LF) {
                    out.writeByte(CR);
                    pending = LF;
                } else if (b == CR) {
                    out.writeByte(CR);
                    pending = 0;
                } else {
                    out.writeByte(b);
                }
            } else {
                break;
            }
        }
        return out;
    }

    @Override
    public void acknowledged(long seq) {
        while (kept > 0 && firstKept <= seq) {
            int i = (int) (firstKept % ring.length);
            ring[i].release();
            ring[i] = null;
            firstKept++;
            kept--;
        }
    }

    @Override
    public void release() {
        acknowledged(Long.MAX_VALUE);
    }
}
