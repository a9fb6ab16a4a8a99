package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.util.Optional;

/**
 * Builds OFFER, ACK and NAK messages (RFC 2131 4.3.1 table 3) with the boot options:
 * siaddr/next-server and server id (54) are our address, the boot file goes in the file field and
 * option 67, PXE clients get option 43 sub-option 6 = 8 (PXE spec: no boot server discovery, use
 * the boot file), iPXE clients get option 175 sub-option 176 = 1 (do not wait for proxyDHCP),
 * UEFI HTTP boot clients get option 60 {@code HTTPClient} echoed.
 */
final class ReplyFactory {
    /** RFC 1542 2.1 / BOOTP: relay agents and old clients expect at least 300 bytes. */
    static final int MIN_REPLY_LENGTH = 300;
    /** Option 43 for PXE clients: sub-option 6 (PXE_DISCOVERY_CONTROL) = 8, then END. */
    static final byte[] PXE_VENDOR_OPTIONS = {6, 1, 8, (byte) 255};
    /** Option 175 for iPXE: sub-option 176 (no proxyDHCP) length 1 value 1. */
    static final byte[] IPXE_NO_PROXYDHCP = {(byte) 0xb0, 1, 1};

    private final DhcpConfig config;

    ReplyFactory(DhcpConfig config) {
        this.config = config;
    }

    /**
     * An OFFER or ACK. {@code yiaddr} empty means no address (INFORM, proxyDHCP); {@code withLease}
     * adds 51/58/59; {@code proxy} marks a proxyDHCP reply (no network options, vendor class echoed).
     */
    DhcpMessage reply(DhcpMessage req, DhcpMessageType type, Optional<Inet4Address> yiaddr, boolean withLease,
                      NetbootClass client, Optional<BootChoice> boot, Optional<String> hostname, boolean proxy) {
        DhcpOptions.Builder o = DhcpOptions.builder()
                .u8(DhcpOption.MESSAGE_TYPE, type.code())
                .ipv4(DhcpOption.SERVER_ID, config.serverAddress());
        if (withLease) {
            long secs = config.leaseTime().toSeconds();
            o.u32(DhcpOption.LEASE_TIME, secs).u32(DhcpOption.RENEWAL_TIME, secs / 2).u32(DhcpOption.REBINDING_TIME, secs * 7 / 8);
        }
        if (!proxy) {
            o.ipv4(DhcpOption.SUBNET_MASK, config.subnetMask()).ipv4(DhcpOption.ROUTER, config.router());
            if (!config.dns().isEmpty()) {
                o.ipv4(DhcpOption.DNS_SERVERS, config.dns().toArray(new Inet4Address[0]));
            }
            hostname.ifPresent(h -> o.string(DhcpOption.HOST_NAME, h));
        }
        config.tftpServerName().ifPresent(n -> o.string(DhcpOption.TFTP_SERVER_NAME, n));
        DhcpMessage.Builder m = header(req).siaddr(config.serverAddress());
        yiaddr.ifPresent(m::yiaddr);
        if (type == DhcpMessageType.ACK) {
            m.ciaddr(req.ciaddr());
        }
        boot.ifPresent(b -> {
            o.string(DhcpOption.BOOTFILE_NAME, b.file());
            if (b.file().length() < DhcpMessage.FILE_LENGTH) {
                m.fileName(b.file());
            }
        });
        if (boot.map(BootChoice::echoHttpClient).orElse(false)) {
            o.string(DhcpOption.VENDOR_CLASS_ID, NetbootClassifier.HTTP_CLIENT);
        } else if (client.pxeClient()) {
            o.string(DhcpOption.VENDOR_CLASS_ID, NetbootClassifier.PXE_CLIENT);
            if (!client.ipxe()) {
                o.put(DhcpOption.VENDOR_SPECIFIC, PXE_VENDOR_OPTIONS);
            }
        }
        if (client.pxeClient() || client.httpClient()) {
            client.uuid().ifPresent(u -> o.put(DhcpOption.CLIENT_UUID, u)); // PXE spec: echo the machine id
        }
        if (client.ipxe()) {
            o.put(DhcpOption.IPXE_ENCAPSULATED, IPXE_NO_PROXYDHCP);
        }
        return m.options(o.build()).build();
    }

    /** A NAK (RFC 2131 4.3.2): no addresses, server id, a message; broadcast when relayed. */
    DhcpMessage nak(DhcpMessage req, String why) {
        DhcpOptions o = DhcpOptions.builder()
                .u8(DhcpOption.MESSAGE_TYPE, DhcpMessageType.NAK.code())
                .ipv4(DhcpOption.SERVER_ID, config.serverAddress())
                .string(DhcpOption.MESSAGE, why)
                .build();
        DhcpMessage.Builder m = header(req);
        if (!req.giaddr().isAnyLocalAddress()) {
            m.flags(req.flags() | DhcpMessage.FLAG_BROADCAST);
        }
        return m.options(o).build();
    }

    private static DhcpMessage.Builder header(DhcpMessage req) {
        return DhcpMessage.builder()
                .op(DhcpMessage.OP_BOOTREPLY)
                .htype(req.htype())
                .hlen(req.hlen())
                .xid(req.xid())
                .flags(req.flags())
                .giaddr(req.giaddr())
                .chaddr(req.chaddr())
                .paddedLength(MIN_REPLY_LENGTH);
    }
}
