package org.leo.appliance.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Optional;
import org.leo.appliance.service.ApplianceHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the HPC segment off the operator's port: a request that arrives on an address of the HPC-facing interface, or
 * comes from an address in that interface's subnets (an HPC routing through the Pi to its other address), is answered
 * 403 before any authentication, and counted ({@code leo_web_refused_total{reason="hpc-segment"}}). The adversary owns
 * the HPC and a machine on its segment; the dashboard's login must not even be reachable from there.
 */
@ApplicationScoped
public class HpcSegmentGuard {
    private static final Logger LOG = LoggerFactory.getLogger(HpcSegmentGuard.class);

    @Inject
    ApplianceHolder holder;

    @Inject
    MeterRegistry meters;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(rc -> {
            Optional<String> hpcInterface = holder.running().flatMap(ApplianceHolder.Running::hpcInterface);
            if (hpcInterface.isPresent() && fromSegment(hpcInterface.get(), rc.request().localAddress(), rc.request().remoteAddress())) {
                meters.counter("leo.web.refused", "reason", "hpc-segment").increment();
                LOG.warn("refused {} {} from {}: the HPC segment ({}) does not reach the operator's port", rc.request().method(),
                        rc.request().path(), rc.request().remoteAddress(), hpcInterface.get());
                rc.response().setStatusCode(403).putHeader("content-type", "text/plain").end("the HPC segment does not reach this port\n");
                return;
            }
            rc.next();
        });
    }

    /** The HPC interface's addresses as last read, and when: read again at most once a second, not on every request. */
    private record Segment(String interfaceName, List<InterfaceAddress> addresses, long readNanos) { }

    private static volatile Segment segment;

    private static List<InterfaceAddress> addresses(String interfaceName) {
        Segment s = segment;
        long now = System.nanoTime();
        if (s == null || !s.interfaceName().equals(interfaceName) || now - s.readNanos() > 1_000_000_000L) {
            List<InterfaceAddress> a = List.of();
            try {
                NetworkInterface nif = NetworkInterface.getByName(interfaceName);
                if (nif != null) {
                    a = List.copyOf(nif.getInterfaceAddresses());
                }
            } catch (SocketException e) {
                // an interface that cannot be read has no addresses to match: nothing is refused for it
            }
            s = new Segment(interfaceName, a, now);
            segment = s;
        }
        return s.addresses();
    }

    static boolean fromSegment(String interfaceName, SocketAddress local, SocketAddress remote) {
        List<InterfaceAddress> segment = addresses(interfaceName);
        InetAddress l = address(local);
        InetAddress r = address(remote);
        for (InterfaceAddress a : segment) {
            if (a.getAddress().equals(l) || (r != null && sameSubnet(a, r))) {
                return true;
            }
        }
        return false;
    }

    private static InetAddress address(SocketAddress s) {
        if (s == null || s.hostAddress() == null) {
            return null;
        }
        try {
            return InetAddress.getByName(s.hostAddress()); // a literal: no lookup
        } catch (UnknownHostException e) {
            return null;
        }
    }

    static boolean sameSubnet(InterfaceAddress a, InetAddress r) {
        byte[] x = a.getAddress().getAddress();
        byte[] y = r.getAddress();
        if (x.length != y.length || r.isLoopbackAddress()) {
            return false;
        }
        int bits = a.getNetworkPrefixLength();
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) {
                return false;
            }
        }
        return true;
    }
}
