package org.leo.pxe.dhcp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Test fixtures: capture files and address parsing. */
final class Packets {
    static final List<String> CAPTURES = List.of("udhcpc-pxe-discover", "udhcpc-pxe-request", "udhcpc-discover",
            "udhcpc-request", "dhclient-discover", "dhclient-request", "dnsmasq-pxe-offer", "dnsmasq-pxe-ack",
            "dnsmasq-offer", "dnsmasq-ack", "ipxe-qemu-bios-discover", "ipxe-qemu-bios-request", "ipxe-qemu-efi-discover",
            "ovmf-pxe-discover", "ovmf-http-discover", "ipxe-bios-discover", "ovmf-uefi-pxe-discover");

    private Packets() {
    }

    static byte[] capture(String name) {
        try (InputStream in = Packets.class.getResourceAsStream("captures/" + name + ".bin")) {
            if (in == null) {
                throw new IllegalStateException("no capture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Inet4Address ip(String dotted) {
        try {
            return (Inet4Address) InetAddress.getByName(dotted);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
