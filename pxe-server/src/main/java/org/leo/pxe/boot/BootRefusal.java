package org.leo.pxe.boot;

/**
 * A boot file request that is refused. The reason decides the error the transport sends: TFTP
 * error code 1 (file not found) or 2 (access violation), HTTP 404 or 403.
 */
public final class BootRefusal extends Exception {
    /** Why a request was refused; each maps to one TFTP error code and one HTTP status. */
    public enum Reason {
        /** The name is well-formed but nothing of that name is offered. */
        NOT_FOUND(1, 404),
        /** The name tries to leave the boot root, is absolute, or names something that is not a regular file. */
        ACCESS_VIOLATION(2, 403),
        /** The file exists in the boot root but the signed manifest does not list it. */
        NOT_IN_MANIFEST(2, 403),
        /** The bytes on disk no longer match the manifest's size or digest. */
        DIGEST_MISMATCH(2, 403),
        /** The client is not an enrolled HPC (no lease, unknown MAC). */
        UNKNOWN_CLIENT(2, 403),
        /**
         * The sender is not the machine holding the source address's lease: the Pi's neighbour
         * table maps the address to another MAC, or has no entry for it.
         */
        SPOOFED_SOURCE(2, 403);

        private final int tftpErrorCode;
        private final int httpStatus;

        Reason(int tftpErrorCode, int httpStatus) {
            this.tftpErrorCode = tftpErrorCode;
            this.httpStatus = httpStatus;
        }

        public int tftpErrorCode() {
            return tftpErrorCode;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;

    public BootRefusal(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
