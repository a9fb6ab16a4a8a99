package org.leo.boot.net;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A 48-bit Ethernet hardware address. Immutable; equality by value; {@link #toString()} is the
 * lower-case colon form ({@code 52:54:00:77:00:10}) used in every log line and store key.
 */
public final class MacAddress implements Comparable<MacAddress> {
    public static final int LENGTH = 6;
    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Copies the first six bytes of {@code src} starting at {@code offset}. */
    public static MacAddress of(byte[] src, int offset) {
        if (src.length - offset < LENGTH) {
            throw new IllegalArgumentException("a MAC address needs 6 bytes, got " + Math.max(0, src.length - offset));
        }
        return new MacAddress(Arrays.copyOfRange(src, offset, offset + LENGTH));
    }

    public static MacAddress of(byte[] src) {
        if (src.length != LENGTH) {
            throw new IllegalArgumentException("a MAC address needs 6 bytes, got " + src.length);
        }
        return of(src, 0);
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} or {@code aa-bb-cc-dd-ee-ff} (any case). */
    public static MacAddress parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT).replace('-', ':');
        String[] parts = s.split(":", -1);
        if (parts.length != LENGTH) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "' (expected six hex octets)");
        }
        byte[] b = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            if (parts[i].length() != 2) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "' (octet " + (i + 1) + " is not two hex digits)");
            }
            try {
                b[i] = (byte) Integer.parseInt(parts[i], 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "' (octet " + (i + 1) + " is not hex)");
            }
        }
        return new MacAddress(b);
    }

    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** The form iPXE's {@code ${net0/mac:hexhyp}} prints and file names can hold: {@code 52-54-00-77-00-10}. */
    public String toHyphenated() {
        return toString().replace(':', '-');
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public int compareTo(MacAddress o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }
}
