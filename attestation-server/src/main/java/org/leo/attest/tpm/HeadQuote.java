package org.leo.attest.tpm;

import java.util.HexFormat;
import org.leo.protocol.tpm.TpmQuote;

/**
 * The Pi's signed statement about its event log: a TPM quote over {@link LogHeadQuoter#PCR}, which
 * holds SHA-256(32 zero bytes || head hash) at the time of the quote, with the verifier's nonce.
 *
 * @param headSeq      sequence number of the log head quoted
 * @param headHash     that entry's chain hash
 * @param quote        the TPM quote (TPMS_ATTEST, TPMT_SIGNATURE, the PCR value)
 * @param akPem        the Pi's attestation key (SubjectPublicKeyInfo PEM)
 */
public record HeadQuote(long headSeq, byte[] headHash, TpmQuote quote, String akPem) {
    public HeadQuote {
        headHash = headHash.clone();
    }

    @Override
    public byte[] headHash() {
        return headHash.clone();
    }

    public String sentence() {
        return "TPM quote over event log head #" + headSeq + " sha256 " + HexFormat.of().formatHex(headHash) + " in PCR " + LogHeadQuoter.PCR;
    }
}
