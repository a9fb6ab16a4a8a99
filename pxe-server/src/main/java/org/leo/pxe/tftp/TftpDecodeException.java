package org.leo.pxe.tftp;

/**
 * A packet that is not valid TFTP. The only exception {@link TftpCodec#decode} throws. Its message
 * is safe to send to the peer in an ERROR packet.
 */
public final class TftpDecodeException extends Exception {
    private final TftpErrorCode errorCode;
    private final boolean answerable;

    /**
     * @param errorCode  the ERROR code to answer with
     * @param answerable false when no reply may be sent (the packet was itself an ERROR, or too
     *                   short to tell what it was)
     */
    TftpDecodeException(TftpErrorCode errorCode, boolean answerable, String message) {
        super(message, null, false, false);
        this.errorCode = errorCode;
        this.answerable = answerable;
    }

    public TftpErrorCode errorCode() {
        return errorCode;
    }

    /** Whether an ERROR reply may be sent for this packet (never in reply to an ERROR). */
    public boolean answerable() {
        return answerable;
    }
}
