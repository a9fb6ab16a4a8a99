package org.leo.appliance.e2e;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;

/**
 * One real client host on the topology's HPC segment: its own network namespace with one veth
 * interface (with a chosen MAC) whose peer is enslaved to the topology's bridge. A namespace per
 * client, because a DHCP client's identity is its interface's MAC and two interfaces on one subnet
 * in one namespace would confuse routing and ARP. The namespace is {@code TOPOPREFIX-c<tag>};
 * {@link #close()} deletes it (and with it the veth pair).
 */
final class ClientNetNs implements AutoCloseable {
    /** The interface name inside the client namespace (names are per namespace, so it can be fixed). */
    static final String IF_NAME = "leokc0";

    private final String netns;
    private final MacAddress mac;
    /** Deletes the namespace if the JVM exits without {@link #close()} (the topology does the same for its own). */
    private final Thread cleanupHook;

    private ClientNetNs(String netns, MacAddress mac) {
        this.netns = netns;
        this.mac = mac;
        this.cleanupHook = new Thread(this::delete, "netns-cleanup-" + netns);
    }

    /**
     * Creates the namespace, attaches it to {@code topo}'s bridge and brings the link up; with
     * {@code cidr} (e.g. {@code 10.77.0.20/24}) the address is configured statically, otherwise a DHCP
     * client is expected to do it.
     */
    static ClientNetNs attach(NetNsTopology topo, char tag, MacAddress mac, Optional<String> cidr) throws IOException {
        String netns = topo.prefix() + "-c" + tag;
        String peer = topo.prefix() + "c" + tag;
        String hpc = topo.hpc().netns();
        Exec.check("ip", "netns", "add", netns);
        ClientNetNs c = new ClientNetNs(netns, mac);
        Runtime.getRuntime().addShutdownHook(c.cleanupHook);
        try {
            Exec.check("ip", "-n", hpc, "link", "add", peer, "type", "veth", "peer", "name", IF_NAME, "netns", netns);
            Exec.check("ip", "-n", hpc, "link", "set", peer, "master", topo.bridge());
            Exec.check("ip", "-n", hpc, "link", "set", peer, "up");
            Exec.check("ip", "netns", "exec", netns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                    "net.ipv6.conf.default.disable_ipv6=1");
            Exec.check("ip", "-n", netns, "link", "set", IF_NAME, "address", mac.toString());
            Exec.check("ip", "-n", netns, "link", "set", "lo", "up");
            Exec.check("ip", "-n", netns, "link", "set", IF_NAME, "up");
            if (cidr.isPresent()) {
                Exec.check("ip", "-n", netns, "addr", "add", cidr.get(), "dev", IF_NAME);
            }
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    MacAddress mac() {
        return mac;
    }

    String netns() {
        return netns;
    }

    /** {@code ip netns exec NETNS argv...}: exec, so the started process's PID is the program's. */
    ProcessBuilder processBuilder(String... argv) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        cmd.addAll(List.of(argv));
        return new ProcessBuilder(cmd);
    }

    /** Runs a client command to completion inside the namespace. */
    Exec.Result run(Duration timeout, String... argv) throws IOException {
        return Exec.run(timeout, processBuilder(argv).command());
    }

    @Override
    public void close() {
        delete();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanupHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (and finds nothing left to delete)
        }
    }

    private void delete() {
        try {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", netns);
        } catch (IOException e) {
            System.err.println("could not delete netns " + netns + ": " + e);
        }
    }
}
