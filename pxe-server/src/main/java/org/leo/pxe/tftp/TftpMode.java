package org.leo.pxe.tftp;

import java.util.Locale;

/**
 * Transfer modes this server offers (RFC 1350 section 5). {@code mail} is obsolete and, like any
 * other unknown mode, a protocol error here.
 */
public enum TftpMode {
    /** Raw 8-bit bytes. */
    OCTET("octet"),
    /** NVT ASCII: LF is sent as CR LF and CR as CR NUL (RFC 764). */
    NETASCII("netascii");

    private final String wireName;

    TftpMode(String wireName) {
        this.wireName = wireName;
    }

    /** The lower-case name as written in a request. */
    public String wireName() {
        return wireName;
    }

    /** The mode named {@code name} (any case), or null when this server does not offer it. */
    public static TftpMode of(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("octet")) {
            return OCTET;
        }
        if (n.equals("netascii")) {
            return NETASCII;
        }
        return null;
    }
}
