package org.leo.protocol.tpm;

import java.util.Arrays;

/**
 * One TPMS_PCR_SELECTION: a hash bank and the PCRs selected in it.
 *
 * @param hashAlg the bank's TPM_ALG_ID (0x000B for sha256)
 * @param pcrs    selected PCR numbers, ascending
 */
public record PcrSelection(int hashAlg, int[] pcrs) {
    /** TPM_ALG_SHA256. */
    public static final int SHA256 = 0x000B;

    public PcrSelection {
        pcrs = pcrs.clone();
    }

    @Override
    public int[] pcrs() {
        return pcrs.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PcrSelection s && s.hashAlg == hashAlg && Arrays.equals(s.pcrs, pcrs);
    }

    @Override
    public int hashCode() {
        return 31 * hashAlg + Arrays.hashCode(pcrs);
    }

    @Override
    public String toString() {
        return TpmAlgorithms.name(hashAlg) + ":" + Arrays.toString(pcrs);
    }
}
