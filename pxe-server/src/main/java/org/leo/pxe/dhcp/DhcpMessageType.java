package org.leo.pxe.dhcp;

/**
 * DHCP message type, option 53 (RFC 2132 9.6). A real enum: a value outside 1..8 is a protocol
 * error, not an extension point (later RFCs' lease-query types are not served here and are rejected).
 */
public enum DhcpMessageType {
    DISCOVER(1),
    OFFER(2),
    REQUEST(3),
    DECLINE(4),
    ACK(5),
    NAK(6),
    RELEASE(7),
    INFORM(8);

    private final int code;

    DhcpMessageType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for {@code code}; throws {@link DhcpFormatException} if it is not 1..8. */
    public static DhcpMessageType of(int code) {
        if (code < 1 || code > 8) {
            throw new DhcpFormatException("option 53 message type " + code + " is not 1..8");
        }
        return values()[code - 1];
    }
}
