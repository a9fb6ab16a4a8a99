package org.leo.protocol.tpm;

/**
 * Bytes that are not the TPM structure they claim to be. The only exception the parsers throw; the
 * message names the structure and field ("TPMS_ATTEST extraData: expected 32 bytes, got 5").
 */
public final class TpmFormatException extends Exception {
    public TpmFormatException(String message) {
        super(message, null, false, false);
    }
}
