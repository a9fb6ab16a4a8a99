package org.leo.protocol.tpm;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * A TPM2_Quote as it travels: the signed bytes, the signature, and the PCR values the quote claims
 * to cover. Nothing here is checked: a quote from an HPC is a claim until {@link QuoteVerifier}
 * says otherwise (which also rejects PCR numbers that are not ascending or values that are not
 * SHA-256 sized). All arrays are copied in and out.
 *
 * @param attest    the marshalled TPMS_ATTEST (the bytes the TPM signed)
 * @param signature the marshalled TPMT_SIGNATURE
 * @param pcrs      the quoted sha256-bank PCR numbers, ascending
 * @param pcrValues the value of each PCR in {@code pcrs}, in the same order
 */
public record TpmQuote(byte[] attest, byte[] signature, int[] pcrs, List<byte[]> pcrValues) {
    public TpmQuote {
        attest = attest.clone();
        signature = signature.clone();
        pcrs = pcrs.clone();
        List<byte[]> copy = new ArrayList<>(pcrValues.size());
        for (byte[] v : pcrValues) {
            copy.add(Objects.requireNonNull(v, "pcr value").clone());
        }
        pcrValues = List.copyOf(copy);
    }

    @Override
    public byte[] attest() {
        return attest.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    @Override
    public int[] pcrs() {
        return pcrs.clone();
    }

    @Override
    public List<byte[]> pcrValues() {
        return pcrValues.stream().map(byte[]::clone).toList();
    }

    /** The PCR values back to back: the input of the quote's pcrDigest, and {@code tpm2_checkquote -f}'s file. */
    public byte[] pcrValuesConcatenated() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] v : pcrValues) {
            out.writeBytes(v);
        }
        return out.toByteArray();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TpmQuote q) || !Arrays.equals(attest, q.attest) || !Arrays.equals(signature, q.signature)
                || !Arrays.equals(pcrs, q.pcrs) || pcrValues.size() != q.pcrValues.size()) {
            return false;
        }
        for (int i = 0; i < pcrValues.size(); i++) {
            if (!Arrays.equals(pcrValues.get(i), q.pcrValues.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(attest) + Arrays.hashCode(signature);
    }

    @Override
    public String toString() {
        return "TpmQuote[pcrs=" + Arrays.toString(pcrs) + ", attest=" + attest.length + " bytes, signature="
                + signature.length + " bytes, pcrValues=" + pcrValues.stream().map(HexFormat.of()::formatHex).toList() + "]";
    }
}
