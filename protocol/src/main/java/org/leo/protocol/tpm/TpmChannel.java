package org.leo.protocol.tpm;

import java.io.Closeable;
import java.io.IOException;

/**
 * The seam between {@link Tpm} and a TPM: one complete command in, one complete response out.
 * Implementations check the response framing (the size in the response header matches what was
 * read and is within {@link #MAX_RESPONSE_BYTES}) and fail with an {@link IOException} that says
 * what happened (timeout, peer closed the connection, bad header), never with a runtime exception.
 */
public interface TpmChannel extends Closeable {
    /** TPM 2.0 command and response headers: tag (2), size (4), code (4). */
    int HEADER_BYTES = 10;
    /** The reference implementation's MAX_RESPONSE_SIZE; a longer response is not from a TPM. */
    int MAX_RESPONSE_BYTES = 4096;

    /** Sends one marshalled command and returns the marshalled response. */
    byte[] transmit(byte[] command) throws IOException;

    /** Where this channel goes, for messages ("swtpm:127.0.0.1:2321"). */
    String describe();

    @Override
    void close();
}
