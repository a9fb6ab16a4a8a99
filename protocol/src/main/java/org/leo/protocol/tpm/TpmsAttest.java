package org.leo.protocol.tpm;

import java.util.Optional;

/**
 * A parsed TPMS_ATTEST (TPM 2.0 Part 2, 10.12.12). Every field is an untrusted claim until the
 * signature over the raw bytes verified: read them from a {@link QuoteVerdict} that is ok.
 *
 * @param magic           TPM_GENERATED: 0xFF544347 when the TPM made the structure
 * @param type            TPM_ST: 0x8018 (TPM_ST_ATTEST_QUOTE) for a quote
 * @param qualifiedSigner the qualified name of the signing key
 * @param extraData       the caller's qualifying data: our nonce
 * @param clockInfo       the TPM's clock and reset counters
 * @param firmwareVersion the vendor's firmware version (UINT64 bit pattern)
 * @param quote           the quote body, present when {@code type} is TPM_ST_ATTEST_QUOTE
 */
public record TpmsAttest(long magic, int type, byte[] qualifiedSigner, byte[] extraData, TpmClockInfo clockInfo,
                         long firmwareVersion, Optional<TpmsQuoteInfo> quote) {
    /** TPM_GENERATED_VALUE. */
    public static final long TPM_GENERATED_VALUE = 0xFF544347L;
    /** TPM_ST_ATTEST_QUOTE. */
    public static final int TPM_ST_ATTEST_QUOTE = 0x8018;

    public TpmsAttest {
        qualifiedSigner = qualifiedSigner.clone();
        extraData = extraData.clone();
    }

    @Override
    public byte[] qualifiedSigner() {
        return qualifiedSigner.clone();
    }

    @Override
    public byte[] extraData() {
        return extraData.clone();
    }
}
