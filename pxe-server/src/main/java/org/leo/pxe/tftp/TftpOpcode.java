package org.leo.pxe.tftp;

/**
 * TFTP packet opcodes: RFC 1350 section 5 (1..5) and RFC 2347 (6, OACK). A real enum because an
 * unknown opcode is a protocol error (ERROR 4), never something to carry along.
 */
public enum TftpOpcode {
    RRQ(1),
    WRQ(2),
    DATA(3),
    ACK(4),
    ERROR(5),
    OACK(6);

    private static final TftpOpcode[] BY_CODE = {null, RRQ, WRQ, DATA, ACK, ERROR, OACK};

    private final int code;

    TftpOpcode(int code) {
        this.code = code;
    }

    /** The 16-bit value on the wire. */
    public int code() {
        return code;
    }

    /** The opcode for {@code code}, or null when the value is not a TFTP opcode. */
    public static TftpOpcode of(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
