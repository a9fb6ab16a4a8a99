package org.leo.protocol.tpm;

import java.io.IOException;

/** Checks on the TPM 2.0 response header shared by the channels. */
final class TpmResponses {
    private TpmResponses() {
    }

    /** The UINT32 size field at offset 2 of a response header. */
    static long declaredSize(byte[] header) {
        return ((header[2] & 0xFFL) << 24) | ((header[3] & 0xFFL) << 16) | ((header[4] & 0xFFL) << 8) | (header[5] & 0xFFL);
    }

    static void checkSize(long size) throws IOException {
        if (size < TpmChannel.HEADER_BYTES || size > TpmChannel.MAX_RESPONSE_BYTES) {
            throw new IOException("TPM response header declares " + size + " bytes, expected "
                    + TpmChannel.HEADER_BYTES + ".." + TpmChannel.MAX_RESPONSE_BYTES);
        }
    }
}
