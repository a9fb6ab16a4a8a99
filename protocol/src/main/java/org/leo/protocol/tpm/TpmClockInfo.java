package org.leo.protocol.tpm;

/**
 * TPMS_CLOCK_INFO from an attest structure. Trustworthy only when the quote's signature verified.
 * A verifier that sees {@code resetCount} grow knows the TPM was reset (the PCRs started over); a
 * grown {@code restartCount} with the same {@code resetCount} means a restart or resume.
 *
 * @param clock        milliseconds the TPM has been powered since its clock was last set (UINT64)
 * @param resetCount   TPM resets (Startup(CLEAR) after a TPM Reset) since manufacture or clear (UINT32)
 * @param restartCount restarts and resumes since the last reset (UINT32)
 * @param safe         whether {@code clock} has not gone backwards since it was last reported
 */
public record TpmClockInfo(long clock, long resetCount, long restartCount, boolean safe) {
}
