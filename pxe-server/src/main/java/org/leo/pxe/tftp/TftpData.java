package org.leo.pxe.tftp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * DATA (RFC 1350 section 5) as decoded from the wire. Holds a buffer: the receiver releases it.
 * The server never builds these for sending; {@link TftpTransfer} writes header and file slice
 * directly.
 */
public final class TftpData extends DefaultByteBufHolder implements TftpPacket {
    private final int block;

    public TftpData(int block, ByteBuf content) {
        super(content);
        if (block < 0 || block > 0xFFFF) {
            throw new IllegalArgumentException("block " + block + " does not fit 16 bits");
        }
        this.block = block;
    }

    /** The 16-bit block number as on the wire. */
    public int block() {
        return block;
    }

    @Override
    public TftpOpcode opcode() {
        return TftpOpcode.DATA;
    }

    @Override
    public String toString() {
        return "TftpData[block=" + block + ", length=" + content().readableBytes() + "]";
    }
}
