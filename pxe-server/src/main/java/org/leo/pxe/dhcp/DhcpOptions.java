package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The options of one DHCP message: option code to its raw value bytes (RFC 2132). A code occurs
 * at most once; a long value is split into several wire instances and concatenated back on decode
 * (RFC 3396). Unknown options are kept raw so they round-trip.
 *
 * <p>Iteration (and so encoding) order is deterministic: a {@link Builder} sorts by code, except a
 * builder in {@linkplain Builder#keepOrder() wire order} which the decoder uses so that a decoded
 * packet re-encodes byte for byte. The typed getters check the length and throw
 * {@link DhcpFormatException} ({@code "option 51 expected 4 bytes, got 3"}).
 */
public final class DhcpOptions {
    public static final DhcpOptions EMPTY = new DhcpOptions(Map.of());

    private final Map<Integer, byte[]> values;

    private DhcpOptions(Map<Integer, byte[]> values) {
        this.values = values;
    }

    public static Builder builder() {
        return new Builder(false);
    }

    /** A builder that starts with these options in their order; new codes are appended. */
    public Builder toBuilder() {
        Builder b = new Builder(true);
        values.forEach((k, v) -> b.values.put(k, v));
        return b;
    }

    /** The option codes in encoding order. */
    public List<Integer> codes() {
        return List.copyOf(values.keySet());
    }

    public boolean contains(DhcpOption option) {
        return values.containsKey(option.code());
    }

    public int size() {
        return values.size();
    }

    /** A copy of the raw value of {@code option}. */
    public Optional<byte[]> bytes(DhcpOption option) {
        byte[] v = values.get(option.code());
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    /** Raw view for the codec: no copy, never modify. */
    byte[] raw(int code) {
        return values.get(code);
    }

    Map<Integer, byte[]> rawMap() {
        return values;
    }

    /** A one-byte option. */
    public Optional<Integer> u8(DhcpOption option) {
        return exact(option, 1).map(v -> v[0] & 0xff);
    }

    /** A two-byte big-endian option. */
    public Optional<Integer> u16(DhcpOption option) {
        return exact(option, 2).map(v -> ((v[0] & 0xff) << 8) | (v[1] & 0xff));
    }

    /** A four-byte big-endian unsigned option (lease times). */
    public Optional<Long> u32(DhcpOption option) {
        return exact(option, 4).map(v -> ((long) (v[0] & 0xff) << 24) | ((v[1] & 0xff) << 16)
                | ((v[2] & 0xff) << 8) | (v[3] & 0xff));
    }

    /** A single IPv4 address option (50, 54, 1). */
    public Optional<Inet4Address> ipv4(DhcpOption option) {
        return exact(option, 4).map(DhcpOptions::toInet4);
    }

    /** A list-of-addresses option (3, 6): a non-empty multiple of four bytes. */
    public List<Inet4Address> ipv4List(DhcpOption option) {
        byte[] v = values.get(option.code());
        if (v == null) {
            return List.of();
        }
        if (v.length == 0 || v.length % 4 != 0) {
            throw new DhcpFormatException("option " + option.code() + " expected a multiple of 4 bytes, got " + v.length);
        }
        List<Inet4Address> out = new ArrayList<>();
        for (int i = 0; i < v.length; i += 4) {
            out.add(toInet4(Arrays.copyOfRange(v, i, i + 4)));
        }
        return out;
    }

    /**
     * A text option (60, 12, 67) decoded as ISO-8859-1 so every byte maps to one char; a trailing
     * NUL some clients append is dropped.
     */
    public Optional<String> string(DhcpOption option) {
        byte[] v = values.get(option.code());
        if (v == null) {
            return Optional.empty();
        }
        int n = v.length;
        while (n > 0 && v[n - 1] == 0) {
            n--;
        }
        return Optional.of(new String(v, 0, n, StandardCharsets.ISO_8859_1));
    }

    /** Option 53, required in every DHCP message. */
    public DhcpMessageType messageType() {
        return u8(DhcpOption.MESSAGE_TYPE).map(DhcpMessageType::of)
                .orElseThrow(() -> new DhcpFormatException("option 53 (message type) missing"));
    }

    /**
     * The sub-options of an encapsulated option (43, 175): code/length/value triples, pad and end
     * honoured (RFC 2132 8.4). Throws if a sub-option runs past the end.
     */
    public Map<Integer, byte[]> subOptions(DhcpOption option) {
        byte[] v = values.get(option.code());
        if (v == null) {
            return Map.of();
        }
        Map<Integer, byte[]> out = new LinkedHashMap<>();
        int i = 0;
        while (i < v.length) {
            int code = v[i] & 0xff;
            if (code == 0) {
                i++;
                continue;
            }
            if (code == 255) {
                break;
            }
            if (i + 1 >= v.length) {
                throw new DhcpFormatException("option " + option.code() + " sub-option " + code + " has no length byte");
            }
            int len = v[i + 1] & 0xff;
            if (i + 2 + len > v.length) {
                throw new DhcpFormatException("option " + option.code() + " sub-option " + code + " length " + len
                        + " runs past the end of the option (" + v.length + " bytes)");
            }
            out.putIfAbsent(code, Arrays.copyOfRange(v, i + 2, i + 2 + len));
            i += 2 + len;
        }
        return out;
    }

    private Optional<byte[]> exact(DhcpOption option, int length) {
        byte[] v = values.get(option.code());
        if (v == null) {
            return Optional.empty();
        }
        if (v.length != length) {
            throw new DhcpFormatException("option " + option.code() + " expected " + length + " byte"
                    + (length == 1 ? "" : "s") + ", got " + v.length);
        }
        return Optional.of(v);
    }

    static Inet4Address toInet4(byte[] four) {
        try {
            return (Inet4Address) InetAddress.getByAddress(four);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e); // cannot happen for 4 bytes
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DhcpOptions d) || d.values.size() != values.size()) {
            return false;
        }
        for (Map.Entry<Integer, byte[]> e : values.entrySet()) {
            if (!Arrays.equals(e.getValue(), d.values.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Map.Entry<Integer, byte[]> e : values.entrySet()) {
            h += e.getKey() ^ Arrays.hashCode(e.getValue());
        }
        return h;
    }

    /** {@code 53=01 54=0a4d0001 ...} in encoding order. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=')
                .append(HexFormat.of().formatHex(v)));
        return sb.toString();
    }

    /** Builds options; sorted by code unless {@link #keepOrder()}. */
    public static final class Builder {
        private Map<Integer, byte[]> values;
        private boolean keepOrder;

        private Builder(boolean keepOrder) {
            this.keepOrder = keepOrder;
            this.values = keepOrder ? new LinkedHashMap<>() : new TreeMap<>();
        }

        /** Keep insertion order (the decoder, for byte-exact round trips). */
        public Builder keepOrder() {
            if (!keepOrder) {
                values = new LinkedHashMap<>(values);
                keepOrder = true;
            }
            return this;
        }

        public Builder put(DhcpOption option, byte[] value) {
            return put(option.code(), value);
        }

        /** Sets {@code code}; PAD (0) and END (255) carry no value and are rejected. */
        public Builder put(int code, byte[] value) {
            if (code <= 0 || code >= 255) {
                throw new IllegalArgumentException("option code " + code + " cannot carry a value");
            }
            values.put(code, value.clone());
            return this;
        }

        /** RFC 3396: a repeated option is the concatenation of its instances. */
        Builder append(int code, byte[] src, int offset, int length) {
            byte[] old = values.get(code);
            byte[] v = old == null ? new byte[length] : Arrays.copyOf(old, old.length + length);
            System.arraycopy(src, offset, v, old == null ? 0 : old.length, length);
            values.put(code, v);
            return this;
        }

        public Builder u8(DhcpOption option, int value) {
            return put(option, new byte[] {(byte) value});
        }

        public Builder u16(DhcpOption option, int value) {
            return put(option, new byte[] {(byte) (value >> 8), (byte) value});
        }

        public Builder u32(DhcpOption option, long value) {
            return put(option, new byte[] {(byte) (value >> 24), (byte) (value >> 16), (byte) (value >> 8), (byte) value});
        }

        public Builder ipv4(DhcpOption option, Inet4Address... addresses) {
            byte[] v = new byte[addresses.length * 4];
            for (int i = 0; i < addresses.length; i++) {
                System.arraycopy(addresses[i].getAddress(), 0, v, i * 4, 4);
            }
            return put(option, v);
        }

        public Builder string(DhcpOption option, String value) {
            return put(option, value.getBytes(StandardCharsets.ISO_8859_1));
        }

        public Builder remove(DhcpOption option) {
            values.remove(option.code());
            return this;
        }

        public DhcpOptions build() {
            Map<Integer, byte[]> copy = keepOrder ? new LinkedHashMap<>(values) : new TreeMap<>(values);
            return new DhcpOptions(Collections.unmodifiableMap(copy));
        }
    }
}
