package org.leo.protocol.tpm;

import java.util.Objects;

/**
 * One reason a quote is not accepted, with a sentence for the operator
 * ("quote nonce is 3a4f..., expected 99ab...").
 */
public record QuoteFailure(Code code, String message) {
    public QuoteFailure {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }

    /** What was wrong, coarse enough to act on in code (alerts, retries), fine enough to tell apart. */
    public enum Code {
        /** Attest, signature or the claimed PCR list is not well-formed or exceeds a cap. */
        MALFORMED,
        /** The attest's magic is not TPM_GENERATED_VALUE: the TPM did not make this structure. */
        BAD_MAGIC,
        /** The attest is some other attestation (certify, time ...), not TPM_ST_ATTEST_QUOTE. */
        NOT_A_QUOTE,
        /** extraData is not the nonce we sent: a replay, or an answer to another challenge. */
        WRONG_NONCE,
        /** The quote covers other PCRs or banks than we asked for, or than it claims values for. */
        PCR_SELECTION_MISMATCH,
        /** The claimed PCR values do not hash to the quote's pcrDigest. */
        PCR_DIGEST_MISMATCH,
        /** A (digest-consistent) PCR value differs from the value we expected. */
        PCR_VALUE_MISMATCH,
        /** The signature does not verify with the attestation key (or uses another key type or hash). */
        BAD_SIGNATURE
    }
}
