package org.leo.pxe.dhcp;

import java.util.Map;
import java.util.TreeMap;

/**
 * A DHCP option code (RFC 2132 and later). An open value class: any code 0..255 is legal on the
 * wire, so {@link #valueOf(int)} returns a named constant or an {@code UNKNOWN(n)} instance.
 * Equality is by code.
 */
public final class DhcpOption implements Comparable<DhcpOption> {
    private static final Map<Integer, DhcpOption> BY_CODE = new TreeMap<>();

    /** RFC 2132 3.1: a single zero byte used for alignment; has no length. */
    public static final DhcpOption PAD = register(0, "PAD");
    public static final DhcpOption SUBNET_MASK = register(1, "SUBNET_MASK");
    public static final DhcpOption ROUTER = register(3, "ROUTER");
    public static final DhcpOption DNS_SERVERS = register(6, "DNS_SERVERS");
    public static final DhcpOption HOST_NAME = register(12, "HOST_NAME");
    public static final DhcpOption DOMAIN_NAME = register(15, "DOMAIN_NAME");
    public static final DhcpOption BROADCAST_ADDRESS = register(28, "BROADCAST_ADDRESS");
    /** RFC 2132 8.4: vendor-specific information; for PXE clients, PXE sub-options. */
    public static final DhcpOption VENDOR_SPECIFIC = register(43, "VENDOR_SPECIFIC");
    public static final DhcpOption REQUESTED_IP = register(50, "REQUESTED_IP");
    public static final DhcpOption LEASE_TIME = register(51, "LEASE_TIME");
    /** RFC 2132 9.3: option overload, 1 = file, 2 = sname, 3 = both carry options. */
    public static final DhcpOption OVERLOAD = register(52, "OVERLOAD");
    public static final DhcpOption MESSAGE_TYPE = register(53, "MESSAGE_TYPE");
    public static final DhcpOption SERVER_ID = register(54, "SERVER_ID");
    public static final DhcpOption PARAMETER_REQUEST_LIST = register(55, "PARAMETER_REQUEST_LIST");
    public static final DhcpOption MESSAGE = register(56, "MESSAGE");
    public static final DhcpOption MAX_MESSAGE_SIZE = register(57, "MAX_MESSAGE_SIZE");
    public static final DhcpOption RENEWAL_TIME = register(58, "RENEWAL_TIME");
    public static final DhcpOption REBINDING_TIME = register(59, "REBINDING_TIME");
    /** RFC 2132 9.13: vendor class identifier, {@code PXEClient:Arch:...} or {@code HTTPClient:...}. */
    public static final DhcpOption VENDOR_CLASS_ID = register(60, "VENDOR_CLASS_ID");
    public static final DhcpOption CLIENT_ID = register(61, "CLIENT_ID");
    public static final DhcpOption TFTP_SERVER_NAME = register(66, "TFTP_SERVER_NAME");
    public static final DhcpOption BOOTFILE_NAME = register(67, "BOOTFILE_NAME");
    /** RFC 3004: user class; iPXE sends {@code iPXE}. */
    public static final DhcpOption USER_CLASS = register(77, "USER_CLASS");
    public static final DhcpOption CLIENT_FQDN = register(81, "CLIENT_FQDN");
    /** RFC 4578 2.1: client system architecture type. */
    public static final DhcpOption CLIENT_ARCH = register(93, "CLIENT_ARCH");
    /** RFC 4578 2.2: client network interface identifier (UNDI version). */
    public static final DhcpOption CLIENT_NDI = register(94, "CLIENT_NDI");
    /** RFC 4578 2.3: client machine identifier (type 0 + 16-byte UUID/GUID). */
    public static final DhcpOption CLIENT_UUID = register(97, "CLIENT_UUID");
    /** iPXE encapsulated options (sub-option 176 = no proxyDHCP wait, 177 = features...). */
    public static final DhcpOption IPXE_ENCAPSULATED = register(175, "IPXE_ENCAPSULATED");
    public static final DhcpOption END = register(255, "END");

    private final int code;
    private final String name;

    private DhcpOption(int code, String name) {
        this.code = code;
        this.name = name;
    }

    private static DhcpOption register(int code, String name) {
        DhcpOption o = new DhcpOption(code, name);
        BY_CODE.put(code, o);
        return o;
    }

    /** The named constant for {@code code}, or a new {@code UNKNOWN(code)}. */
    public static DhcpOption valueOf(int code) {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("DHCP option code out of range 0..255: " + code);
        }
        DhcpOption o = BY_CODE.get(code);
        return o != null ? o : new DhcpOption(code, "UNKNOWN");
    }

    public int code() {
        return code;
    }

    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DhcpOption d && d.code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    @Override
    public int compareTo(DhcpOption o) {
        return Integer.compare(code, o.code);
    }

    @Override
    public String toString() {
        return name + "(" + code + ")";
    }
}
