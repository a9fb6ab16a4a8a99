package org.leo.pxe.tftp;

/**
 * A TFTP error code (RFC 1350 section 5, RFC 2347 for 8). An open value class: clients may send
 * codes this server does not know, which decode to {@link #valueOf(int)} {@code UNKNOWN(n)}.
 */
public final class TftpErrorCode {
    public static final TftpErrorCode NOT_DEFINED = new TftpErrorCode(0, "NOT_DEFINED");
    public static final TftpErrorCode FILE_NOT_FOUND = new TftpErrorCode(1, "FILE_NOT_FOUND");
    public static final TftpErrorCode ACCESS_VIOLATION = new TftpErrorCode(2, "ACCESS_VIOLATION");
    public static final TftpErrorCode DISK_FULL = new TftpErrorCode(3, "DISK_FULL");
    public static final TftpErrorCode ILLEGAL_OPERATION = new TftpErrorCode(4, "ILLEGAL_OPERATION");
    public static final TftpErrorCode UNKNOWN_TID = new TftpErrorCode(5, "UNKNOWN_TID");
    public static final TftpErrorCode FILE_EXISTS = new TftpErrorCode(6, "FILE_EXISTS");
    public static final TftpErrorCode NO_SUCH_USER = new TftpErrorCode(7, "NO_SUCH_USER");
    /** RFC 2347: terminate the transfer due to option negotiation. */
    public static final TftpErrorCode OPTION_NEGOTIATION = new TftpErrorCode(8, "OPTION_NEGOTIATION");

    private static final TftpErrorCode[] KNOWN = {NOT_DEFINED, FILE_NOT_FOUND, ACCESS_VIOLATION, DISK_FULL,
        ILLEGAL_OPERATION, UNKNOWN_TID, FILE_EXISTS, NO_SUCH_USER, OPTION_NEGOTIATION};

    private final int code;
    private final String name;

    private TftpErrorCode(int code, String name) {
        this.code = code;
        this.name = name;
    }

    /** The code for the 16-bit value {@code code}: a constant, or {@code UNKNOWN(code)}. */
    public static TftpErrorCode valueOf(int code) {
        if (code < 0 || code > 0xFFFF) {
            throw new IllegalArgumentException("error code " + code + " does not fit 16 bits");
        }
        return code < KNOWN.length ? KNOWN[code] : new TftpErrorCode(code, "UNKNOWN");
    }

    public int code() {
        return code;
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TftpErrorCode c && c.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public String toString() {
        return name + "(" + code + ")";
    }
}
