package org.leo.pxe.boot;

/**
 * The policy between the transports (TFTP, HTTP) and the boot root: decides which bytes, if
 * any, a request gets, and hears how each transfer ended. Implementations record every
 * decision in the boot event log.
 */
public interface BootFiles {
    /**
     * Resolves a client's request to measured bytes.
     *
     * @throws BootRefusal when the request must be refused; its message is safe to send to the client
     */
    ServedFile open(BootRequest request) throws BootRefusal;

    /** Called once per successful {@link #open} when the transfer ends, complete or not. */
    void finished(BootRequest request, ServedFile file, TransferResult result);
}
