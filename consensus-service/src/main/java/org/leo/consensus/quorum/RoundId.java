package org.leo.consensus.quorum;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One attestation round of one HPC: the ledger head the round was drawn from (so the committee
 * depends on a value nobody chose alone), the HPC, and the round's number. Every verdict, every
 * certificate and every piece of equivocation evidence names its round by this.
 *
 * @param ledgerHead the 32-byte ledger head hash the round's sortition used
 * @param hpc        the HPC's id (its MAC, lower-case, colon-separated), printable ASCII, 1..64 bytes
 * @param round      the round number, unsigned
 */
public record RoundId(byte[] ledgerHead, String hpc, long round) {
    public static final int HEAD_BYTES = 32;
    public static final int MAX_HPC_BYTES = 64;

    public RoundId {
        Objects.requireNonNull(ledgerHead, "ledgerHead");
        Objects.requireNonNull(hpc, "hpc");
        if (ledgerHead.length != HEAD_BYTES) {
            throw new IllegalArgumentException("ledger head: expected " + HEAD_BYTES + " bytes, got " + ledgerHead.length);
        }
        byte[] id = hpc.getBytes(StandardCharsets.US_ASCII);
        if (id.length == 0 || id.length > MAX_HPC_BYTES || !hpc.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("HPC id: expected 1.." + MAX_HPC_BYTES + " printable ASCII bytes without spaces");
        }
        ledgerHead = ledgerHead.clone();
    }

    @Override
    public byte[] ledgerHead() {
        return ledgerHead.clone();
    }

    /** Fixed-width head, length-prefixed id, big-endian round: the bytes a signature covers. */
    void writeTo(ByteBuffer out) {
        byte[] id = hpc.getBytes(StandardCharsets.US_ASCII);
        out.put(ledgerHead).put((byte) id.length).put(id).putLong(round);
    }

    int encodedLength() {
        return HEAD_BYTES + 1 + hpc.length() + Long.BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoundId r && java.util.Arrays.equals(ledgerHead, r.ledgerHead) && hpc.equals(r.hpc) && round == r.round;
    }

    @Override
    public int hashCode() {
        return Objects.hash(java.util.Arrays.hashCode(ledgerHead), hpc, round);
    }

    @Override
    public String toString() {
        return "round " + Long.toUnsignedString(round) + " of HPC " + hpc + " at head " + HexFormat.of().formatHex(ledgerHead, 0, 8) + "..";
    }
}
