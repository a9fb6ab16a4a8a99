package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.util.Objects;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * An enrolled client: its MAC, the fixed address it always gets (or empty: an address from the
 * pool), and an optional host name sent as option 12.
 */
public record Reservation(MacAddress mac, Optional<Inet4Address> address, Optional<String> hostname) {
    public Reservation {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(hostname, "hostname");
    }

    public static Reservation of(MacAddress mac, Inet4Address address) {
        return new Reservation(mac, Optional.of(address), Optional.empty());
    }

    /** Enrolled, address from the pool. */
    public static Reservation poolOnly(MacAddress mac) {
        return new Reservation(mac, Optional.empty(), Optional.empty());
    }
}
