package org.leo.consensus.quorum;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.leo.boot.net.MacAddress;

/**
 * One attestation round of one HPC: the ledger head the round was drawn from (so the committee
 * depends on a value nobody chose alone), the HPC (by MAC, as everywhere in Leo), and the round's
 * number. Every verdict, certificate and piece of equivocation evidence names its round by this;
 * the round's sortition alpha is built from the same three values ({@code sortition.Alpha}).
 *
 * @param ledgerHead the 32-byte ledger head hash the round's sortition used
 * @param hpc        the HPC
 * @param round      the round number, unsigned
 */
public record RoundId(byte[] ledgerHead, MacAddress hpc, long round) {
    public static final int HEAD_BYTES = 32;
    /** Encoded: head, MAC, round. */
    public static final int ENCODED_BYTES = HEAD_BYTES + MacAddress.LENGTH + Long.BYTES;

    public RoundId {
        Objects.requireNonNull(ledgerHead, "ledgerHead");
        Objects.requireNonNull(hpc, "hpc");
        if (ledgerHead.length != HEAD_BYTES) {
            throw new IllegalArgumentException("ledger head: expected " + HEAD_BYTES + " bytes, got " + ledgerHead.length);
        }
        ledgerHead = ledgerHead.clone();
    }

    @Override
    public byte[] ledgerHead() {
        return ledgerHead.clone();
    }

    /** Fixed width, big-endian: the bytes a signature covers. */
    void writeTo(ByteBuffer out) {
        out.put(ledgerHead).put(hpc.toByteArray()).putLong(round);
    }

    /** The {@value #ENCODED_BYTES} bytes a verdict's signature covers, as a challenge names its round. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(ENCODED_BYTES);
        writeTo(b);
        return b.array();
    }

    /** Parses {@link #encode()}'s form (a peer's bytes): anything but exactly {@value #ENCODED_BYTES} bytes is refused with a sentence. */
    public static RoundId decode(byte[] bytes) {
        if (bytes.length != ENCODED_BYTES) {
            throw new IllegalArgumentException("round id: " + bytes.length + " bytes, expected " + ENCODED_BYTES);
        }
        return readFrom(ByteBuffer.wrap(bytes));
    }

    static RoundId readFrom(ByteBuffer in) {
        byte[] head = new byte[HEAD_BYTES];
        in.get(head);
        byte[] mac = new byte[MacAddress.LENGTH];
        in.get(mac);
        return new RoundId(head, MacAddress.of(mac), in.getLong());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RoundId r && Arrays.equals(ledgerHead, r.ledgerHead) && hpc.equals(r.hpc) && round == r.round;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ledgerHead), hpc, round);
    }

    @Override
    public String toString() {
        return "round " + Long.toUnsignedString(round) + " of HPC " + hpc + " at head " + HexFormat.of().formatHex(ledgerHead, 0, 8) + "..";
    }
}
