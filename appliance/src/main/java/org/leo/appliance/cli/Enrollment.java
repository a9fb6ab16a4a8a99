package org.leo.appliance.cli;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.leo.pxe.dhcp.Reservation;
import org.leo.boot.net.MacAddress;

/** Parses {@code --enroll MAC[=IPV4[,HOSTNAME]]}. */
final class Enrollment {
    private Enrollment() {
    }

    static Reservation parse(String text) {
        String[] macRest = text.split("=", 2);
        MacAddress mac = MacAddress.parse(macRest[0]);
        if (macRest.length == 1) {
            return Reservation.poolOnly(mac);
        }
        String[] addrHost = macRest[1].split(",", 2);
        Inet4Address address = ipv4(addrHost[0])
                .orElseThrow(() -> new IllegalArgumentException("'" + addrHost[0] + "' is not an IPv4 address"));
        Optional<String> host = addrHost.length == 2 ? Optional.of(addrHost[1]) : Optional.empty();
        return new Reservation(mac, Optional.of(address), host);
    }

    /** A literal dotted-quad IPv4 address; never a name lookup. */
    static Optional<Inet4Address> ipv4(String text) {
        String t = text.trim();
        if (!t.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            return Optional.empty();
        }
        for (String part : t.split("\\.")) {
            if (Integer.parseInt(part) > 255) {
                return Optional.empty();
            }
        }
        try {
            InetAddress a = InetAddress.getByName(t);
            return a instanceof Inet4Address v4 ? Optional.of(v4) : Optional.empty();
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
