package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.time.Instant;
import java.util.Objects;
import org.leo.boot.net.MacAddress;

/**
 * A committed binding of an address to a client (RFC 2131 1: "lease"). A lease past
 * {@code expiresAt} is inactive but keeps the binding so the client gets the same address again.
 */
public record Lease(MacAddress mac, Inet4Address address, Instant expiresAt) {
    public Lease {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean isActive(Instant now) {
        return now.isBefore(expiresAt);
    }
}
