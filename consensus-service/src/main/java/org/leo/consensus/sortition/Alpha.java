package org.leo.consensus.sortition;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import org.leo.boot.net.MacAddress;

/**
 * The VRF input (RFC 9381 "alpha") of one sortition: which ledger state, which HPC, which round
 * and which role the drawn committee serves. Fixed-width fields, so the encoding is unambiguous
 * without length prefixes; 63 bytes in all:
 * <pre>
 *   offset  bytes  field
 *        0     16  domain-separation tag, the ASCII bytes of "leo-sortition-v1"
 *       16     32  ledger head: the 32-byte hash naming the ledger's latest entry
 *       48      6  HPC id: the HPC's MAC address, the key of its boot history, enrollment and controls
 *       54      8  round: unsigned 64-bit, big-endian
 *       62      1  role code: 1 VERIFIER, 2 EXECUTOR, 3 MONITOR
 * </pre>
 * The HPC is named by its MAC address, not by a string id: the whole appliance keys HPCs by MAC
 * (boot event log, leases, power and network controls), and six fixed bytes need no encoding rules.
 * The version in the tag changes with any change of layout, so no two versions share an input.
 */
public record Alpha(byte[] ledgerHead, MacAddress hpc, long round, Role role) {
    public static final String TAG = "leo-sortition-v1";
    public static final int LEDGER_HEAD_BYTES = 32;
    public static final int LENGTH = 16 + LEDGER_HEAD_BYTES + MacAddress.LENGTH + Long.BYTES + 1;
    private static final byte[] TAG_BYTES = TAG.getBytes(StandardCharsets.US_ASCII);
    private static final HexFormat HEX = HexFormat.of();

    public Alpha {
        Objects.requireNonNull(hpc, "hpc");
        Objects.requireNonNull(role, "role");
        if (ledgerHead == null || ledgerHead.length != LEDGER_HEAD_BYTES) {
            throw new IllegalArgumentException("a ledger head is " + LEDGER_HEAD_BYTES + " bytes, got "
                    + (ledgerHead == null ? "none" : ledgerHead.length));
        }
        ledgerHead = ledgerHead.clone();
    }

    @Override
    public byte[] ledgerHead() {
        return ledgerHead.clone();
    }

    /** The {@value #LENGTH} bytes the member proves over with its VRF key. */
    public byte[] encode() {
        return ByteBuffer.allocate(LENGTH)
                .put(TAG_BYTES)
                .put(ledgerHead)
                .put(hpc.toByteArray())
                .putLong(round)
                .put((byte) role.code())
                .array();
    }

    /** Parses what {@link #encode()} wrote; anything else (length, tag, role) is refused with a sentence. */
    public static Alpha decode(byte[] bytes) {
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException("a sortition alpha is " + LENGTH + " bytes, got " + bytes.length);
        }
        if (!Arrays.equals(bytes, 0, TAG_BYTES.length, TAG_BYTES, 0, TAG_BYTES.length)) {
            throw new IllegalArgumentException("a sortition alpha starts with \"" + TAG + "\", this one with "
                    + HEX.formatHex(bytes, 0, TAG_BYTES.length));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, TAG_BYTES.length, LENGTH - TAG_BYTES.length);
        byte[] head = new byte[LEDGER_HEAD_BYTES];
        in.get(head);
        byte[] mac = new byte[MacAddress.LENGTH];
        in.get(mac);
        long round = in.getLong();
        return new Alpha(head, MacAddress.of(mac), round, Role.ofCode(in.get() & 0xff));
    }

    /** Lower-case hex of {@link #encode()}. */
    public String toHex() {
        return HEX.formatHex(encode());
    }

    public static Alpha fromHex(String hex) {
        byte[] bytes;
        try {
            bytes = HEX.parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a sortition alpha in hex is not hex: " + e.getMessage());
        }
        return decode(bytes);
    }

    /** The round as the unsigned number it is. */
    public String roundText() {
        return Long.toUnsignedString(round);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Alpha a && Arrays.equals(ledgerHead, a.ledgerHead) && hpc.equals(a.hpc)
                && round == a.round && role == a.role;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ledgerHead), hpc, round, role);
    }

    @Override
    public String toString() {
        return "alpha(head " + HEX.formatHex(ledgerHead) + ", hpc " + hpc + ", round " + roundText() + ", " + role + ")";
    }
}
