package org.leo.protocol.tpm;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the verifier asked for: the nonce, the sha256-bank PCRs, and optionally the value some of
 * those PCRs must have (a reference value from the event log or a golden measurement).
 */
public final class QuoteExpectation {
    private final byte[] nonce;
    private final int[] pcrs;
    private final Map<Integer, byte[]> pcrValues;

    private QuoteExpectation(byte[] nonce, int[] pcrs, Map<Integer, byte[]> pcrValues) {
        this.nonce = nonce;
        this.pcrs = pcrs;
        this.pcrValues = pcrValues;
    }

    /** @param pcrs distinct PCR numbers 0..23 in any order */
    public static QuoteExpectation of(byte[] nonce, int... pcrs) {
        if (nonce.length > TpmsAttestParser.MAX_EXTRA_DATA_BYTES) {
            throw new IllegalArgumentException("nonce: expected at most " + TpmsAttestParser.MAX_EXTRA_DATA_BYTES
                    + " bytes, got " + nonce.length);
        }
        int[] sorted = pcrs.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= Tpm.PCR_COUNT || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new IllegalArgumentException("PCRs " + Arrays.toString(pcrs) + ": expected distinct numbers 0.."
                        + (Tpm.PCR_COUNT - 1));
            }
        }
        return new QuoteExpectation(nonce.clone(), sorted, new TreeMap<>());
    }

    /** A copy that also requires {@code pcr} (one of {@link #pcrs()}) to hold {@code sha256}. */
    public QuoteExpectation withPcrValue(int pcr, byte[] sha256) {
        if (Arrays.binarySearch(pcrs, pcr) < 0) {
            throw new IllegalArgumentException("PCR " + pcr + " is not among the expected PCRs " + Arrays.toString(pcrs));
        }
        if (sha256.length != Tpm.SHA256_BYTES) {
            throw new IllegalArgumentException("value of PCR " + pcr + ": expected " + Tpm.SHA256_BYTES
                    + " bytes, got " + sha256.length);
        }
        Map<Integer, byte[]> values = new TreeMap<>(pcrValues);
        values.put(pcr, sha256.clone());
        return new QuoteExpectation(nonce, pcrs, values);
    }

    public byte[] nonce() {
        return nonce.clone();
    }

    /** Ascending. */
    public int[] pcrs() {
        return pcrs.clone();
    }

    /** The expected value of PCR {@code pcr}, or null when any value is acceptable. */
    byte[] pcrValue(int pcr) {
        return pcrValues.get(pcr);
    }

    Map<Integer, byte[]> pcrValues() {
        return pcrValues;
    }

    @Override
    public String toString() {
        return "QuoteExpectation[pcrs=" + Arrays.toString(pcrs) + ", values for " + pcrValues.keySet() + "]";
    }
}
