package org.leo.pxe.dhcp;

/**
 * A DHCP packet or option that does not follow RFC 2131/2132. The only exception the codec and
 * the typed option getters throw for bad input; the message says what was wrong and where.
 */
public final class DhcpFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DhcpFormatException(String message) {
        super(message, null, false, false);
    }
}
