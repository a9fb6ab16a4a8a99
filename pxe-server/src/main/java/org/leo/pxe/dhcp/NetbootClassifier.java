package org.leo.pxe.dhcp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides whether a DHCP request comes from a network-boot client, as a pure function over a
 * table of rules; every failed rule adds its reason (like tinkerbell/smee's {@code IsNetbootClient}).
 * PXE spec 2.1 and RFC 4578: a PXE client sends option 60 {@code PXEClient:...}, 93 (arch),
 * 94 (UNDI version) and 97 (machine UUID, 17 bytes with type 0; some ROMs omit it, which is tolerated).
 */
public final class NetbootClassifier {
    public static final String PXE_CLIENT = "PXEClient";
    public static final String HTTP_CLIENT = "HTTPClient";
    public static final String IPXE_USER_CLASS = "iPXE";
    /** RFC 4578 2.3: type 0 followed by a 16-byte GUID. */
    static final int UUID_LENGTH = 17;

    /** One row: a check that returns the reason it failed, or empty. */
    private record Rule(String name, Function<DhcpMessage, Optional<String>> check) {
    }

    private static final List<Rule> RULES = List.of(
            new Rule("request", m -> m.op() == DhcpMessage.OP_BOOTREQUEST ? Optional.empty()
                    : Optional.of("op " + m.op() + " is not BOOTREQUEST")),
            new Rule("message type", m -> {
                DhcpMessageType t = m.type();
                return t == DhcpMessageType.DISCOVER || t == DhcpMessageType.REQUEST || t == DhcpMessageType.INFORM
                        ? Optional.empty() : Optional.of("message type " + t + " is not DISCOVER, REQUEST or INFORM");
            }),
            new Rule("vendor class", m -> {
                Optional<String> vc = m.options().string(DhcpOption.VENDOR_CLASS_ID);
                if (vc.isEmpty()) {
                    return Optional.of("option 60 (vendor class) not set");
                }
                return vc.get().startsWith(PXE_CLIENT) || vc.get().startsWith(HTTP_CLIENT) ? Optional.empty()
                        : Optional.of("option 60 '" + printable(vc.get()) + "' is not PXEClient or HTTPClient");
            }),
            new Rule("arch", m -> m.options().contains(DhcpOption.CLIENT_ARCH) ? guard(() -> archOption(m).map(a -> ""))
                    : Optional.of("option 93 (client arch) not set")),
            new Rule("ndi", m -> m.options().contains(DhcpOption.CLIENT_NDI) ? Optional.empty()
                    : Optional.of("option 94 (client NDI) not set")),
            new Rule("uuid", m -> {
                Optional<byte[]> g = m.options().bytes(DhcpOption.CLIENT_UUID);
                if (g.isEmpty()) {
                    return Optional.empty(); // PXE ROMs in the wild omit it; tolerated as smee does
                }
                if (g.get().length != UUID_LENGTH) {
                    return Optional.of("option 97 expected 17 bytes, got " + g.get().length);
                }
                return g.get()[0] == 0 ? Optional.empty() : Optional.of("option 97 type " + (g.get()[0] & 0xff) + " is not 0");
            }));

    private NetbootClassifier() {
    }

    /** Classifies {@code m}; never throws for a decoded message (malformed options become reasons). */
    public static NetbootClass classify(DhcpMessage m) {
        List<String> reasons = new ArrayList<>();
        for (Rule r : RULES) {
            Optional<String> why;
            try {
                why = r.check().apply(m);
            } catch (DhcpFormatException e) {
                why = Optional.of(e.getMessage());
            }
            why.filter(s -> !s.isEmpty()).ifPresent(reasons::add);
        }
        String vc = safe(() -> m.options().string(DhcpOption.VENDOR_CLASS_ID)).orElse("");
        Optional<ClientArch> arch = safe(() -> archOption(m)).or(() -> archFromVendorClass(vc));
        Optional<byte[]> uuid = m.options().bytes(DhcpOption.CLIENT_UUID).filter(g -> g.length == UUID_LENGTH && g[0] == 0);
        return new NetbootClass(reasons, vc, arch, vc.startsWith(PXE_CLIENT), vc.startsWith(HTTP_CLIENT), isIpxe(m), uuid);
    }

    /**
     * Option 77 holds {@code iPXE}: iPXE sends it bare (4 bytes); RFC 3004 framing (length-prefixed
     * instances) is also accepted.
     */
    static boolean isIpxe(DhcpMessage m) {
        byte[] v = m.options().raw(DhcpOption.USER_CLASS.code());
        if (v == null) {
            return false;
        }
        byte[] want = IPXE_USER_CLASS.getBytes(StandardCharsets.US_ASCII);
        if (Arrays.equals(v, want)) {
            return true;
        }
        int i = 0;
        while (i < v.length) {
            int len = v[i] & 0xff;
            if (len == 0 || i + 1 + len > v.length) {
                return false;
            }
            if (Arrays.equals(Arrays.copyOfRange(v, i + 1, i + 1 + len), want)) {
                return true;
            }
            i += 1 + len;
        }
        return false;
    }

    /** Option 93: a list of 16-bit types (RFC 4578 2.1); the first one is used. */
    private static Optional<ClientArch> archOption(DhcpMessage m) {
        Optional<byte[]> v = m.options().bytes(DhcpOption.CLIENT_ARCH);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        byte[] b = v.get();
        if (b.length == 0 || b.length % 2 != 0) {
            throw new DhcpFormatException("option 93 expected a non-zero multiple of 2 bytes, got " + b.length);
        }
        return Optional.of(ClientArch.valueOf(((b[0] & 0xff) << 8) | (b[1] & 0xff)));
    }

    /** PXE spec: {@code PXEClient:Arch:xxxxx:UNDI:yyyzzz}, arch as five decimal digits. */
    static Optional<ClientArch> archFromVendorClass(String vc) {
        String[] parts = vc.split(":", -1);
        if (parts.length >= 3 && (parts[0].equals(PXE_CLIENT) || parts[0].equals(HTTP_CLIENT)) && parts[1].equals("Arch")
                && parts[2].length() == 5 && parts[2].chars().allMatch(c -> c >= '0' && c <= '9')) {
            int code = Integer.parseInt(parts[2]);
            return code <= 0xffff ? Optional.of(ClientArch.valueOf(code)) : Optional.empty();
        }
        return Optional.empty();
    }

    private static Optional<String> guard(java.util.function.Supplier<Optional<String>> s) {
        s.get();
        return Optional.empty();
    }

    private static <T> Optional<T> safe(java.util.function.Supplier<Optional<T>> s) {
        try {
            return s.get();
        } catch (DhcpFormatException e) {
            return Optional.empty();
        }
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (sb.length() >= 64) {
                return sb.append("...").toString();
            }
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
