package org.leo.pxe.tftp;

/**
 * ACK (RFC 1350 section 5): acknowledges a DATA block; block 0 acknowledges an OACK (RFC 2347).
 *
 * @param block the 16-bit block number as on the wire (0..65535; wraps, see {@link TftpTransfer})
 */
public record TftpAck(int block) implements TftpPacket {
    public TftpAck {
        if (block < 0 || block > 0xFFFF) {
            throw new IllegalArgumentException("block " + block + " does not fit 16 bits");
        }
    }

    @Override
    public TftpOpcode opcode() {
        return TftpOpcode.ACK;
    }
}
