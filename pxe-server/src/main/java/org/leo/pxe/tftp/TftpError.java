package org.leo.pxe.tftp;

import java.util.Objects;

/**
 * ERROR (RFC 1350 section 5): ends a transfer.
 *
 * @param code    the error code
 * @param message a human-readable message (sent NUL-terminated; NUL-free here)
 */
public record TftpError(TftpErrorCode code, String message) implements TftpPacket {
    public TftpError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public TftpOpcode opcode() {
        return TftpOpcode.ERROR;
    }
}
