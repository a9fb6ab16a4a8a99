package org.leo.protocol.tpm;

/**
 * A TPM command failed: the TPM answered with an error code, did not answer in time, closed the
 * connection or sent a response that does not parse. The message names the command and the cause
 * in a sentence an operator can act on. After a transport failure the {@link Tpm} is unusable
 * (the command stream may be out of step) and every later call throws this again.
 */
public final class TpmException extends Exception {
    public TpmException(String message) {
        super(message);
    }

    public TpmException(String message, Throwable cause) {
        super(message, cause);
    }
}
