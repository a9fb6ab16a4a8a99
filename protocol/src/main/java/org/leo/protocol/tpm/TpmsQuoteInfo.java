package org.leo.protocol.tpm;

import java.util.List;

/**
 * TPMS_QUOTE_INFO: what a quote covers.
 *
 * @param pcrSelect the PCR selections in the order the TPM hashed them
 * @param pcrDigest the hash (with the key's scheme hash) of the selected PCR values, concatenated
 */
public record TpmsQuoteInfo(List<PcrSelection> pcrSelect, byte[] pcrDigest) {
    public TpmsQuoteInfo {
        pcrSelect = List.copyOf(pcrSelect);
        pcrDigest = pcrDigest.clone();
    }

    @Override
    public byte[] pcrDigest() {
        return pcrDigest.clone();
    }
}
