package org.leo.appliance.gateway;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsHost;

/**
 * Three network namespaces for the gateway's tests: an HPC ({@code PREFIX-hpc}: 10.77.0.10/24, 2001:db8:77::10/64 and
 * 10.99.0.5/32, a source outside the segment's subnet; MAC {@link #HPC_MAC}; default routes via the Pi), the Pi
 * ({@code PREFIX-pi}, forwarding on: {@code PREFIX-p0} on the HPC segment, 10.77.0.1 and 2001:db8:77::1; the uplink
 * {@code PREFIX-p1}, 192.0.2.1 and 2001:db8:2::1) and a host beyond the uplink ({@code PREFIX-out}: 192.0.2.7 and
 * 2001:db8:2::7, routing the HPC subnets back to the Pi, so that without a ruleset the HPC reaches it).
 * {@link #close} deletes the namespaces and with them every link.
 */
public record GatewayTopology(NetNsHost hpc, NetNsHost pi, NetNsHost out, String uplink) implements AutoCloseable {
    public static final String HPC_MAC = "52:54:00:77:00:10";
    public static final String PI_UPLINK_ADDRESS = "192.0.2.1";

    /** Whether this machine can run it: root and the tools; the reason it cannot, else empty. */
    public static Optional<String> unavailable(String... tools) throws IOException {
        if (!Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0")) {
            return Optional.of("needs root (network namespaces, nft)");
        }
        for (String tool : tools) {
            if (!Exec.onPath(tool)) {
                return Optional.of(tool + " missing (scripts/install-deps test)");
            }
        }
        return Optional.empty();
    }

    /** The hosts and names of the topology under {@code prefix}; nothing is made yet ({@link #create}). */
    public static GatewayTopology of(String prefix) {
        return new GatewayTopology(new NetNsHost(prefix + "-hpc", prefix + "-h0", Optional.of("10.77.0.10"), 24),
                new NetNsHost(prefix + "-pi", prefix + "-p0", Optional.of("10.77.0.1"), 24),
                new NetNsHost(prefix + "-out", prefix + "-o0", Optional.of("192.0.2.7"), 24), prefix + "-p1");
    }

    /** Makes the namespaces (any left from an earlier run are deleted first); on failure deletes what it made. */
    public void create() throws IOException {
        close();
        try {
            build();
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void build() throws IOException {
        for (NetNsHost h : List.of(hpc, pi, out)) {
            Exec.check("ip", "netns", "add", h.netns());
            Exec.check("ip", "-n", h.netns(), "link", "set", "lo", "up");
        }
        Exec.check("ip", "link", "add", hpc.ifName(), "netns", hpc.netns(), "address", HPC_MAC, "type", "veth", "peer", "name", pi.ifName(),
                "netns", pi.netns());
        Exec.check("ip", "link", "add", uplink, "netns", pi.netns(), "type", "veth", "peer", "name", out.ifName(), "netns", out.netns());
        address(hpc, hpc.ifName(), "10.77.0.10/24", "2001:db8:77::10/64");
        address(pi, pi.ifName(), "10.77.0.1/24", "2001:db8:77::1/64");
        address(pi, uplink, PI_UPLINK_ADDRESS + "/24", "2001:db8:2::1/64");
        address(out, out.ifName(), "192.0.2.7/24", "2001:db8:2::7/64");
        hpc.exec("ip", "addr", "add", "10.99.0.5/32", "dev", hpc.ifName());
        hpc.exec("ip", "route", "add", "default", "via", "10.77.0.1");
        hpc.exec("ip", "-6", "route", "add", "default", "via", "2001:db8:77::1");
        out.exec("ip", "route", "add", "10.77.0.0/24", "via", PI_UPLINK_ADDRESS);
        out.exec("ip", "-6", "route", "add", "2001:db8:77::/64", "via", "2001:db8:2::1");
        pi.exec("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1");
    }

    private static void address(NetNsHost h, String ifName, String v4, String v6) throws IOException {
        h.exec("ip", "addr", "add", v4, "dev", ifName);
        h.exec("ip", "addr", "add", v6, "dev", ifName, "nodad");
        h.exec("ip", "link", "set", ifName, "up");
    }

    /** Deletes the namespaces; ones that are not there are fine. */
    @Override
    public void close() throws IOException {
        for (NetNsHost h : List.of(hpc, pi, out)) {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "delete", h.netns());
        }
    }
}
