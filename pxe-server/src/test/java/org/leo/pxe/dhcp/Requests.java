package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import org.leo.boot.net.MacAddress;

/** Builds client requests for policy and server tests. */
final class Requests {
    static final byte[] UUID = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    private Requests() {
    }

    static DhcpOptions.Builder pxe(DhcpMessageType type, int arch) {
        return DhcpOptions.builder().u8(DhcpOption.MESSAGE_TYPE, type.code())
                .string(DhcpOption.VENDOR_CLASS_ID, String.format("PXEClient:Arch:%05d:UNDI:002001", arch))
                .u16(DhcpOption.CLIENT_ARCH, arch)
                .put(DhcpOption.CLIENT_NDI, new byte[] {1, 2, 1})
                .put(DhcpOption.CLIENT_UUID, UUID);
    }

    static DhcpOptions.Builder plain(DhcpMessageType type) {
        return DhcpOptions.builder().u8(DhcpOption.MESSAGE_TYPE, type.code());
    }

    static DhcpOptions.Builder ipxe(DhcpMessageType type, int arch) {
        return pxe(type, arch).put(DhcpOption.USER_CLASS, "iPXE".getBytes(StandardCharsets.US_ASCII));
    }

    static DhcpOptions.Builder http(DhcpMessageType type, int arch) {
        return DhcpOptions.builder().u8(DhcpOption.MESSAGE_TYPE, type.code())
                .string(DhcpOption.VENDOR_CLASS_ID, String.format("HTTPClient:Arch:%05d:UNDI:003001", arch))
                .u16(DhcpOption.CLIENT_ARCH, arch)
                .put(DhcpOption.CLIENT_NDI, new byte[] {1, 3, 1});
    }

    static DhcpMessage request(MacAddress mac, int xid, DhcpOptions.Builder options) {
        return DhcpMessage.builder().op(DhcpMessage.OP_BOOTREQUEST).chaddr(mac).xid(xid).paddedLength(300)
                .options(options.build()).build();
    }

    static DhcpMessage request(MacAddress mac, int xid, Inet4Address ciaddr, DhcpOptions.Builder options) {
        return request(mac, xid, options).toBuilder().ciaddr(ciaddr).build();
    }
}
