package org.leo.pxe.dhcp;

import java.net.Inet4Address;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * Picks the address for a client: its fixed reservation, else its previous binding, else the
 * address it asks for, else the first free pool address, and as a last resort an expired binding
 * of another client. Offers are held in memory only ({@link DhcpConfig#offerHold()}): they are not
 * persisted because the REQUEST re-checks the address anyway, so an offer lost in a crash costs the
 * client one retry and can never hand out a taken address. Offers are indexed both by client and by
 * address, and leases are read from {@link LeaseStore}'s in-memory index, so probing a pool address
 * costs a few hash lookups: a DISCOVER from a new client scans the pool without touching the disk.
 * Not thread-safe: one DHCP thread.
 */
final class AddressAllocator {
    /** Offers outstanding at once; a flood of spoofed DISCOVERs cannot grow memory beyond this. */
    static final int MAX_OFFERS = 4096;

    private record Offer(MacAddress mac, Inet4Address address, Instant until) {
    }

    private volatile DhcpConfig config;
    private final LeaseStore leases;
    private final Map<MacAddress, Offer> offers = new HashMap<>();
    /** The same offers by address (kept in step with {@link #offers}). */
    private final Map<Inet4Address, Offer> offeredAddresses = new HashMap<>();
    /** Reserved address -> its MAC; replaced whole with the configuration. */
    private volatile Map<Inet4Address, MacAddress> fixed;

    AddressAllocator(DhcpConfig config, LeaseStore leases) {
        this.leases = leases;
        reconfigure(config);
    }

    /** Allocates by {@code newConfig} from now on (an HPC enrolled while the server runs). */
    void reconfigure(DhcpConfig newConfig) {
        Map<Inet4Address, MacAddress> f = new HashMap<>();
        newConfig.reservations().values().forEach(r -> r.address().ifPresent(a -> f.put(a, r.mac())));
        fixed = f;
        config = newConfig;
    }

    /** The address to offer {@code mac}, or empty (fixed address declined, pool exhausted, no pool). */
    Optional<Inet4Address> choose(MacAddress mac, Optional<Inet4Address> requested, Instant now) {
        Reservation r = config.reservations().get(mac);
        if (r != null && r.address().isPresent()) {
            Inet4Address a = r.address().get();
            return leases.isDeclined(a, now) ? Optional.empty() : Optional.of(a);
        }
        Optional<AddressPool> pool = config.pool();
        if (pool.isEmpty()) {
            return Optional.empty();
        }
        Offer o = offers.get(mac);
        if (o != null && now.isBefore(o.until()) && isFree(o.address(), mac, now, false)) {
            return Optional.of(o.address());
        }
        Optional<Inet4Address> previous = leases.byMac(mac).map(Lease::address);
        if (previous.isPresent() && pool.get().contains(previous.get()) && isFree(previous.get(), mac, now, false)) {
            return previous;
        }
        if (requested.isPresent() && pool.get().contains(requested.get()) && isFree(requested.get(), mac, now, false)) {
            return requested;
        }
        for (boolean reuseExpired : new boolean[] {false, true}) {
            for (long i = 0; i < pool.get().size(); i++) {
                Inet4Address a = pool.get().get(i);
                if (isFree(a, mac, now, reuseExpired)) {
                    return Optional.of(a);
                }
            }
        }
        return Optional.empty();
    }

    /** True when {@code mac} may hold {@code address} now (for a REQUEST of a specific address). */
    boolean mayHold(MacAddress mac, Inet4Address address, Instant now) {
        Reservation r = config.reservations().get(mac);
        if (r != null && r.address().isPresent()) {
            return r.address().get().equals(address) && !leases.isDeclined(address, now);
        }
        return config.pool().map(p -> p.contains(address)).orElse(false) && isFree(address, mac, now, true);
    }

    /** The address {@code mac} is bound to (fixed reservation or stored lease), if any. */
    Optional<Inet4Address> bindingOf(MacAddress mac) {
        Reservation r = config.reservations().get(mac);
        if (r != null && r.address().isPresent()) {
            return r.address();
        }
        return leases.byMac(mac).map(Lease::address);
    }

    void offered(MacAddress mac, Inet4Address address, Instant now) {
        if (offers.size() >= MAX_OFFERS) {
            offers.values().removeIf(o -> !now.isBefore(o.until()));
            offeredAddresses.values().removeIf(o -> !now.isBefore(o.until()));
            if (offers.size() >= MAX_OFFERS) {
                return; // still hold nothing more; the REQUEST re-checks the address
            }
        }
        forgetOffer(mac);
        Offer o = new Offer(mac, address, now.plus(config.offerHold()));
        offers.put(mac, o);
        offeredAddresses.put(address, o);
    }

    void forgetOffer(MacAddress mac) {
        Offer o = offers.remove(mac);
        if (o != null) {
            offeredAddresses.remove(o.address(), o);
        }
    }

    private boolean isFree(Inet4Address a, MacAddress mac, Instant now, boolean reuseExpired) {
        if (a.equals(config.serverAddress()) || a.equals(config.router())) {
            return false;
        }
        MacAddress owner = fixed.get(a);
        if (owner != null && !owner.equals(mac)) {
            return false;
        }
        Offer offer = offeredAddresses.get(a);
        if (offer != null && !offer.mac().equals(mac) && now.isBefore(offer.until())) {
            return false;
        }
        if (leases.isDeclined(a, now)) {
            return false;
        }
        Optional<Lease> l = leases.byAddress(a);
        return l.isEmpty() || l.get().mac().equals(mac) || (reuseExpired && !l.get().isActive(now));
    }
}
