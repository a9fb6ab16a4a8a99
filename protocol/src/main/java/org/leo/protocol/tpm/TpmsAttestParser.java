package org.leo.protocol.tpm;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Parses a marshalled TPMS_ATTEST from an untrusted peer (an HPC's quote) with a cap on every
 * length. A pure function: throws only {@link TpmFormatException}. It checks structure, not
 * meaning: magic, type, nonce and digest are judged by {@link QuoteVerifier}. Only a quote body
 * (TPM_ST_ATTEST_QUOTE) is parsed; for other types the bytes after firmwareVersion are not read.
 */
public final class TpmsAttestParser {
    /** A quote over 24 PCRs in 16 banks with a SHA-512 signer name and nonce is under 300 bytes. */
    public static final int MAX_ATTEST_BYTES = 1024;
    /** TPM2B_NAME holds a TPMU_NAME: at most a TPMT_HA (2-byte algorithm + 64-byte SHA-512 digest). */
    public static final int MAX_NAME_BYTES = 66;
    /** TPM2B_DATA holds at most a TPMT_HA. */
    public static final int MAX_EXTRA_DATA_BYTES = 66;
    /** TPML_PCR_SELECTION: one entry per hash bank; the TCG registry has far fewer than 16 hashes. */
    public static final int MAX_PCR_SELECTIONS = 16;
    /** A selection bitmap covers {@link Tpm#PCR_COUNT} PCRs: 3 bytes (PCR_SELECT_MAX). */
    public static final int MAX_PCR_SELECT_BYTES = (Tpm.PCR_COUNT + 7) / 8;
    /** TPM2B_DIGEST: at most a SHA-512 digest. */
    public static final int MAX_DIGEST_BYTES = 64;

    private static final String STRUCTURE = "TPMS_ATTEST";

    private TpmsAttestParser() {
    }

    public static TpmsAttest parse(byte[] attest) throws TpmFormatException {
        if (attest.length > MAX_ATTEST_BYTES) {
            throw new TpmFormatException(STRUCTURE + " is " + attest.length + " bytes, more than the " + MAX_ATTEST_BYTES + " accepted");
        }
        TpmWireReader r = new TpmWireReader(STRUCTURE, attest);
        long magic = r.u32("magic");
        int type = r.u16("type");
        byte[] signer = r.sized("qualifiedSigner", MAX_NAME_BYTES);
        byte[] extraData = r.sized("extraData", MAX_EXTRA_DATA_BYTES);
        long clock = r.u64("clockInfo.clock");
        long resetCount = r.u32("clockInfo.resetCount");
        long restartCount = r.u32("clockInfo.restartCount");
        int safe = r.u8("clockInfo.safe");
        if (safe > 1) {
            throw new TpmFormatException(STRUCTURE + " clockInfo.safe is " + safe + ", expected 0 or 1");
        }
        long firmwareVersion = r.u64("firmwareVersion");
        TpmClockInfo clockInfo = new TpmClockInfo(clock, resetCount, restartCount, safe == 1);
        if (type != TpmsAttest.TPM_ST_ATTEST_QUOTE) {
            return new TpmsAttest(magic, type, signer, extraData, clockInfo, firmwareVersion, Optional.empty());
        }
        long count = r.u32("pcrSelect.count");
        if (count > MAX_PCR_SELECTIONS) {
            throw new TpmFormatException(STRUCTURE + " pcrSelect.count is " + count + ", more than the " + MAX_PCR_SELECTIONS + " accepted");
        }
        List<PcrSelection> selections = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            String field = "pcrSelect[" + i + "]";
            int hash = r.u16(field + ".hash");
            int size = r.u8(field + ".sizeofSelect");
            if (size > MAX_PCR_SELECT_BYTES) {
                throw new TpmFormatException(STRUCTURE + " " + field + ".sizeofSelect is " + size + ", more than the "
                        + MAX_PCR_SELECT_BYTES + " bytes that cover " + Tpm.PCR_COUNT + " PCRs");
            }
            selections.add(new PcrSelection(hash, pcrsOf(r.bytes(field + ".pcrSelect", size))));
        }
        byte[] pcrDigest = r.sized("pcrDigest", MAX_DIGEST_BYTES);
        r.end("pcrDigest");
        return new TpmsAttest(magic, type, signer, extraData, clockInfo, firmwareVersion,
                Optional.of(new TpmsQuoteInfo(selections, pcrDigest)));
    }

    private static int[] pcrsOf(byte[] bitmap) {
        int n = 0;
        for (byte b : bitmap) {
            n += Integer.bitCount(b & 0xFF);
        }
        int[] pcrs = new int[n];
        int k = 0;
        for (int pcr = 0; pcr < bitmap.length * 8; pcr++) {
            if ((bitmap[pcr / 8] & (1 << (pcr % 8))) != 0) {
                pcrs[k++] = pcr;
            }
        }
        return pcrs;
    }
}
