package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.Inet4Address;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DHCP server's decisions, independent of sockets: DISCOVER to OFFER, REQUEST in the
 * SELECTING / INIT-REBOOT / RENEWING / REBINDING states of RFC 2131 4.3.2 to ACK, NAK or silence,
 * RELEASE, DECLINE (4.3.3, 4.3.4), INFORM to ACK without lease (4.3.5), and proxyDHCP (PXE spec 2.2).
 * Only enrolled MACs are served unless {@link DhcpConfig#serveUnknownClients()}. {@link #handle}
 * commits the lease durably before it returns the ACK; {@link #decide} only stages it in the
 * {@link LeaseStore}, for a caller that commits a burst of decisions at once (group commit) and
 * must then flush the store before sending any of their replies. Call from one thread.
 */
public final class DhcpPolicy {
    private static final Logger LOG = LoggerFactory.getLogger(DhcpPolicy.class);
    /** Distinct unknown MACs remembered for log-once; beyond it they are still counted, not logged. */
    static final int MAX_LOGGED_UNKNOWN = 1024;

    /** Which socket a request came in on. */
    public enum Port { DHCP, PROXY }

    /** Replaced whole when an HPC is enrolled while the server runs ({@link #reconfigure}); read once per decision. */
    private volatile DhcpConfig config;
    private final LeaseStore leases;
    private final AddressAllocator allocator;
    private final ReplyFactory replies;
    private final Clock clock;
    private final Counter unknownClients;
    private final Counter poolExhausted;
    private final Set<MacAddress> loggedUnknown = new HashSet<>();

    public DhcpPolicy(DhcpConfig config, LeaseStore leases, MeterRegistry registry, Clock clock) {
        this.config = config;
        this.leases = leases;
        this.allocator = new AddressAllocator(config, leases);
        this.replies = new ReplyFactory(config);
        this.clock = clock;
        this.unknownClients = registry.counter("dhcp.unknown_client");
        this.poolExhausted = registry.counter("dhcp.pool_exhausted");
    }

    /** From the next request on, decides by {@code newConfig} (the same server, with more enrolled HPCs). */
    void reconfigure(DhcpConfig newConfig) {
        allocator.reconfigure(newConfig);
        config = newConfig;
    }

    /**
     * Decides what to do with {@code req}, a decoded message that arrived on {@code port}; a lease
     * it grants is durable when this returns.
     */
    public Outcome handle(DhcpMessage req, Port port) {
        Outcome out = decide(req, port);
        leases.flush();
        return out;
    }

    /**
     * Like {@link #handle} but a lease it grants is only staged: the caller must
     * {@link LeaseStore#flush()} before sending the reply (and send nothing if the flush fails).
     */
    public Outcome decide(DhcpMessage req, Port port) {
        if (req.op() != DhcpMessage.OP_BOOTREQUEST) {
            return Outcome.ignore("op " + req.op() + " is not BOOTREQUEST");
        }
        Optional<MacAddress> macOpt = req.mac();
        if (macOpt.isEmpty()) {
            return Outcome.ignore("htype " + req.htype() + " hlen " + req.hlen() + " is not Ethernet");
        }
        MacAddress mac = macOpt.get();
        Reservation reservation = config.reservations().get(mac);
        if (reservation == null && !config.serveUnknownClients()) {
            unknownClients.increment();
            String why = "MAC " + mac + " is not enrolled";
            if (loggedUnknown.size() < MAX_LOGGED_UNKNOWN && loggedUnknown.add(mac)) {
                LOG.info("DHCP {} xid={} from unknown MAC {} ignored (not enrolled; logged once per MAC)", req.type(),
                        req.xidHex(), mac);
                return Outcome.ignore(why);
            }
            return Outcome.ignoreQuietly(why);
        }
        NetbootClass client = NetbootClassifier.classify(req);
        Optional<BootChoice> boot = BootFilePolicy.select(client, config);
        Optional<String> hostname = reservation == null ? Optional.empty() : reservation.hostname();
        Instant now = clock.instant();
        if (config.proxyMode()) {
            return proxy(req, port, mac, client, boot);
        }
        if (port != Port.DHCP) {
            return Outcome.ignore("not in proxy mode, port 4011 is not served");
        }
        switch (req.type()) {
            case DISCOVER: {
                Optional<Inet4Address> requested = optionalAddress(req, DhcpOption.REQUESTED_IP);
                Optional<Inet4Address> a = allocator.choose(mac, requested, now);
                if (a.isEmpty()) {
                    poolExhausted.increment();
                    return Outcome.ignore("no address for " + mac + " (fixed address declined, pool exhausted or no pool)");
                }
                allocator.offered(mac, a.get(), now);
                return Outcome.send(replies.reply(req, DhcpMessageType.OFFER, a, true, client, boot, hostname, false),
                        BootStage.DHCP_OFFER, "offered " + a.get().getHostAddress() + bootDetail(boot));
            }
            case REQUEST:
                return request(req, mac, client, boot, hostname, now);
            case DECLINE:
                return decline(req, mac, now);
            case RELEASE: {
                Optional<Inet4Address> bound = leases.byMac(mac).map(Lease::address);
                if (bound.isPresent() && bound.get().equals(req.ciaddr())) {
                    leases.expire(mac, now);
                    return Outcome.silent(BootStage.DHCP_RELEASE, "released " + req.ciaddr().getHostAddress());
                }
                return Outcome.ignore("RELEASE of " + req.ciaddr().getHostAddress() + " which " + mac + " does not hold");
            }
            case INFORM:
                return Outcome.send(replies.reply(req, DhcpMessageType.ACK, Optional.empty(), false, client, boot, hostname, false),
                        BootStage.DHCP_ACK, "INFORM answered for " + req.ciaddr().getHostAddress() + bootDetail(boot));
            default:
                return Outcome.ignore("a client does not send " + req.type());
        }
    }

    private Outcome request(DhcpMessage req, MacAddress mac, NetbootClass client, Optional<BootChoice> boot,
                            Optional<String> hostname, Instant now) {
        Optional<Inet4Address> serverId;
        Optional<Inet4Address> requested;
        try {
            serverId = req.options().ipv4(DhcpOption.SERVER_ID);
            requested = req.options().ipv4(DhcpOption.REQUESTED_IP);
        } catch (DhcpFormatException e) {
            return Outcome.send(replies.nak(req, e.getMessage()), BootStage.DHCP_NAK, e.getMessage());
        }
        Inet4Address address;
        String state;
        if (serverId.isPresent()) {
            state = "SELECTING";
            if (!serverId.get().equals(config.serverAddress())) {
                allocator.forgetOffer(mac);
                // RFC 2131 4.3.2: the client declined our offer in favour of another server; stay silent.
                return Outcome.ignore("client selected server " + serverId.get().getHostAddress());
            }
            if (requested.isEmpty()) {
                return nak(req, "REQUEST in SELECTING state without option 50");
            }
            address = requested.get();
            if (!allocator.mayHold(mac, address, now)) {
                return nak(req, "requested " + address.getHostAddress() + " is not available to " + mac);
            }
        } else {
            state = requested.isPresent() ? "INIT-REBOOT" : "RENEWING/REBINDING";
            Inet4Address claimed = requested.orElse(req.ciaddr());
            if (claimed.isAnyLocalAddress()) {
                return nak(req, "REQUEST without server id, requested address or ciaddr");
            }
            if (!onSubnet(claimed)) {
                return nak(req, state + " " + claimed.getHostAddress() + " is not on our subnet");
            }
            Optional<Inet4Address> binding = allocator.bindingOf(mac);
            if (binding.isEmpty()) {
                // RFC 2131 4.3.2: no record of the client, remain silent.
                return Outcome.ignore(state + " for " + claimed.getHostAddress() + " but no record of " + mac);
            }
            if (!binding.get().equals(claimed) || !allocator.mayHold(mac, claimed, now)) {
                return nak(req, state + " " + claimed.getHostAddress() + " but " + mac + " is bound to "
                        + binding.get().getHostAddress());
            }
            address = claimed;
        }
        Lease lease = new Lease(mac, address, now.plus(config.leaseTime()));
        leases.stage(lease, now); // flushed (durable) before the ACK leaves: see decide()
        allocator.forgetOffer(mac);
        return Outcome.send(replies.reply(req, DhcpMessageType.ACK, Optional.of(address), true, client, boot, hostname, false),
                BootStage.DHCP_ACK, state + " acked " + address.getHostAddress() + " until " + lease.expiresAt() + bootDetail(boot));
    }

    private Outcome decline(DhcpMessage req, MacAddress mac, Instant now) {
        Optional<Inet4Address> serverId;
        Optional<Inet4Address> requested;
        try {
            serverId = req.options().ipv4(DhcpOption.SERVER_ID);
            requested = req.options().ipv4(DhcpOption.REQUESTED_IP);
        } catch (DhcpFormatException e) {
            return Outcome.ignore("DECLINE " + e.getMessage());
        }
        if (serverId.isPresent() && !serverId.get().equals(config.serverAddress())) {
            return Outcome.ignore("DECLINE for server " + serverId.get().getHostAddress());
        }
        if (requested.isEmpty()) {
            return Outcome.ignore("DECLINE without option 50");
        }
        Inet4Address a = requested.get();
        Optional<Inet4Address> bound = allocator.bindingOf(mac);
        if (bound.isEmpty() || !bound.get().equals(a)) {
            return Outcome.ignore("DECLINE of " + a.getHostAddress() + " which " + mac + " was not given");
        }
        leases.decline(a, now.plus(config.declineHold()));
        leases.remove(mac);
        allocator.forgetOffer(mac);
        LOG.warn("DHCP DECLINE from {}: {} is in use on the segment, not handed out until {}", mac, a.getHostAddress(),
                now.plus(config.declineHold()));
        return Outcome.silent(BootStage.DHCP_DECLINE, "declined " + a.getHostAddress() + ", held until "
                + now.plus(config.declineHold()));
    }

    /** proxyDHCP (PXE spec 2.2.5): boot information for PXE clients, never addresses or leases. */
    private Outcome proxy(DhcpMessage req, Port port, MacAddress mac, NetbootClass client, Optional<BootChoice> boot) {
        if (!client.pxeClient() && !client.httpClient()) {
            return Outcome.ignore("proxyDHCP answers PXE clients only: " + String.join("; ", client.reasons()));
        }
        if (boot.isEmpty()) {
            return Outcome.ignore("proxyDHCP has no boot file for arch " + client.arch().map(Object::toString).orElse("?"));
        }
        DhcpMessageType t = req.type();
        if (port == Port.DHCP && t == DhcpMessageType.DISCOVER) {
            return Outcome.send(replies.reply(req, DhcpMessageType.OFFER, Optional.empty(), false, client, boot, Optional.empty(), true),
                    BootStage.DHCP_OFFER, "proxy offer" + bootDetail(boot));
        }
        if (port == Port.PROXY && (t == DhcpMessageType.REQUEST || t == DhcpMessageType.INFORM)) {
            return Outcome.send(replies.reply(req, DhcpMessageType.ACK, Optional.empty(), false, client, boot, Optional.empty(), true),
                    BootStage.DHCP_ACK, "proxy ack" + bootDetail(boot));
        }
        return Outcome.ignore("proxyDHCP does not answer " + t + " on " + (port == Port.DHCP ? "port 67" : "port 4011"));
    }

    private Outcome nak(DhcpMessage req, String why) {
        return Outcome.send(replies.nak(req, why), BootStage.DHCP_NAK, why);
    }

    private boolean onSubnet(Inet4Address a) {
        long mask = AddressPool.toLong(config.subnetMask());
        return (AddressPool.toLong(a) & mask) == (AddressPool.toLong(config.serverAddress()) & mask);
    }

    private static Optional<Inet4Address> optionalAddress(DhcpMessage req, DhcpOption option) {
        try {
            return req.options().ipv4(option);
        } catch (DhcpFormatException e) {
            return Optional.empty();
        }
    }

    private static String bootDetail(Optional<BootChoice> boot) {
        return boot.map(b -> " boot file " + b.file() + " (" + b.rule() + ")").orElse(" no boot file");
    }
}
