package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.ServerProcess;

/**
 * The fleet fixture itself, with three Pis: the fleet LAN carries ICMP and TCP between Pis and to
 * the switch, an HPC given a static address reaches its Pi, a partition of Pi 1 from the rest cuts
 * Pi 1 and Pi 2 apart in both directions (a TCP connect times out, as on a real split) while both
 * still reach the switch (and Pi 1 its HPC), healing restores it, and closing leaves no {@code leoq}
 * namespace. Creating sweeps a stale {@code leoq} namespace and refuses a second fleet. TCP is checked against busybox
 * httpd run in the namespaces through {@link FleetNetwork#start}, and stopped by PID.
 */
@Tag("system")
class FleetNetworkIT {
    private static final int HTTP_PORT = 8080;
    /** A positive reachability check retries for this long (a fresh bridge port, the first ARP). */
    private static final Duration REACH_WITHIN = Duration.ofSeconds(5);

    @Test
    void rejectsFleetSizesOutsideOneToNine() {
        assertThatThrownBy(() -> FleetNetwork.create(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fleet size must be 1..9, got 0");
        assertThatThrownBy(() -> FleetNetwork.create(10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fleet size must be 1..9, got 10");
    }

    @Test
    void partitionCutsPisApartButKeepsTheSwitchAndHealRestores(@TempDir Path dir) throws Exception {
        assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"), "needs root (network namespaces)");
        assumeTrue(Exec.onPath("ip"), "iproute2 'ip' not on PATH");
        assumeTrue(Exec.onPath("nft"), "nft missing (Debian package nftables): partitions need it");
        assumeTrue(Exec.onPath("busybox"), "busybox (ping, httpd) missing (Debian package busybox)");
        assumeTrue(Exec.onPath("curl"), "curl missing (Debian package curl)");

        // what a JVM killed before its shutdown hook ran leaves behind: create() sweeps it
        Exec.run(Duration.ofSeconds(10), "ip", "netns", "add", "leoq-p7");
        List<ServerProcess> servers = new ArrayList<>();
        FleetNetwork fleet = FleetNetwork.create(3);
        try {
            assertThat(Exec.check("ip", "netns", "list").output()).as("stale netns swept").doesNotContain("leoq-p7");
            assertThatThrownBy(() -> FleetNetwork.create(1)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already up");
            assertThat(fleet.run(fleet.piNs(1), Duration.ofSeconds(5), "sysctl", "-n",
                    "net.ipv6.conf.all.disable_ipv6").output().strip()).isEqualTo("1");
            System.out.println(fleet.run(fleet.piNs(1), Duration.ofSeconds(5), "ip", "-br", "addr").output());
            String hpcLink = fleet.run(fleet.hpcNs(1), Duration.ofSeconds(5), "ip", "-br", "link", "show",
                    fleet.hpcInterface()).output();
            System.out.print(hpcLink);
            assertThat(hpcLink).contains(fleet.hpcMac(1).toString()).contains("UP");
            assertThat(fleet.run(fleet.hpcNs(1), Duration.ofSeconds(5), "ip", "-4", "addr", "show", "dev",
                    fleet.hpcInterface()).output()).as("the HPC waits for DHCP: no address").isBlank();

            servers.add(httpd(fleet, fleet.piNs(2), fleet.piFleetAddress(2), dir.resolve("p2")));
            servers.add(httpd(fleet, fleet.switchNs(), fleet.switchAddress(), dir.resolve("sw")));

            String p1 = fleet.piNs(1);
            String p2 = fleet.piNs(2);
            assertThat(pingsWithin(fleet, p1, fleet.piFleetAddress(2))).as("Pi 1 -> Pi 2").isTrue();
            assertThat(pingsWithin(fleet, p1, fleet.switchAddress())).as("Pi 1 -> switch").isTrue();
            assertThat(pingsWithin(fleet, p2, fleet.piFleetAddress(1))).as("Pi 2 -> Pi 1").isTrue();
            assertThat(get(fleet, p1, fleet.piFleetAddress(2))).as("Pi 1 -> Pi 2 TCP").isEqualTo(p2);
            assertThat(get(fleet, p1, fleet.switchAddress())).as("Pi 1 -> switch TCP").isEqualTo(fleet.switchNs());

            fleet.run(fleet.hpcNs(1), Duration.ofSeconds(5), "ip", "addr", "add", "10.79.1.10/24", "dev",
                    fleet.hpcInterface());
            assertThat(pingsWithin(fleet, fleet.hpcNs(1), fleet.piHpcAddress(1))).as("HPC 1 -> Pi 1").isTrue();

            fleet.partition(Set.of(1));
            assertThat(pingsOnce(fleet, p1, fleet.piFleetAddress(2))).as("Pi 1 -> Pi 2 partitioned").isFalse();
            assertThat(pingsOnce(fleet, p2, fleet.piFleetAddress(1))).as("Pi 2 -> Pi 1 partitioned").isFalse();
            Exec.Result cut = curl(fleet, p1, fleet.piFleetAddress(2));
            assertThat(cut.exitCode()).as("Pi 1 -> Pi 2 TCP partitioned: a timeout (curl 28), as on a real split, "
                    + "not a local error; curl said: %s", cut.output().strip()).isEqualTo(28);
            assertThat(pingsWithin(fleet, p1, fleet.switchAddress())).as("Pi 1 -> switch partitioned").isTrue();
            assertThat(pingsWithin(fleet, p2, fleet.switchAddress())).as("Pi 2 -> switch partitioned").isTrue();
            assertThat(get(fleet, p1, fleet.switchAddress())).as("Pi 1 -> switch TCP partitioned").isEqualTo(fleet.switchNs());
            assertThat(pingsWithin(fleet, p2, fleet.piFleetAddress(3))).as("Pi 2 -> Pi 3, same side").isTrue();
            assertThat(pingsWithin(fleet, p1, "10.79.1.10")).as("Pi 1 -> HPC 1 partitioned").isTrue();
            System.out.println("partition {1}: Pi 1 <-/-> Pi 2 (ICMP, TCP); Pi 1, Pi 2 -> switch; Pi 2 -> Pi 3; Pi 1 -> HPC 1");

            fleet.heal();
            assertThat(pingsWithin(fleet, p1, fleet.piFleetAddress(2))).as("Pi 1 -> Pi 2 healed").isTrue();
            assertThat(pingsWithin(fleet, p2, fleet.piFleetAddress(1))).as("Pi 2 -> Pi 1 healed").isTrue();
            assertThat(get(fleet, p1, fleet.piFleetAddress(2))).as("Pi 1 -> Pi 2 TCP healed").isEqualTo(p2);
            System.out.println("healed: Pi 1 <-> Pi 2 again");
        } finally {
            servers.forEach(ServerProcess::stop);
            fleet.close();
        }
        fleet.close();
        String left = Exec.check("ip", "netns", "list").output();
        System.out.println("after close, ip netns list: [" + left.strip() + "]");
        assertThat(left).doesNotContain(FleetNetwork.PREFIX);
    }

    /** busybox httpd on ADDR:8080 in {@code ns}, serving a file {@code who} that names the namespace. */
    private static ServerProcess httpd(FleetNetwork fleet, String ns, String address, Path root) throws IOException {
        Files.createDirectories(root);
        Files.writeString(root.resolve("who"), ns, StandardCharsets.US_ASCII);
        ServerProcess p = fleet.start(ns, "httpd-" + ns, root.resolveSibling(ns + "-httpd.log"), "busybox", "httpd",
                "-f", "-p", address + ":" + HTTP_PORT, "-h", root.toString());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ns.equals(get(fleet, ns, address))) {
            if (System.nanoTime() > deadline) {
                p.stop();
                throw new IOException("busybox httpd in " + ns + " not answering on " + address + " within 10 s");
            }
            sleep(Duration.ofMillis(100));
        }
        return p;
    }

    /** The body of http://ADDR:8080/who fetched from {@code ns}, or null if the connection fails within 2 s. */
    private static String get(FleetNetwork fleet, String ns, String address) throws IOException {
        Exec.Result r = curl(fleet, ns, address);
        return r.exitCode() == 0 ? r.output() : null;
    }

    private static Exec.Result curl(FleetNetwork fleet, String ns, String address) throws IOException {
        return fleet.run(ns, Duration.ofSeconds(5), "curl", "-sS", "--max-time", "2",
                "http://" + address + ":" + HTTP_PORT + "/who");
    }

    private static boolean pingsOnce(FleetNetwork fleet, String ns, String address) throws IOException {
        return fleet.run(ns, Duration.ofSeconds(5), "busybox", "ping", "-c", "1", "-W", "1", address).exitCode() == 0;
    }

    private static boolean pingsWithin(FleetNetwork fleet, String ns, String address) throws IOException {
        long deadline = System.nanoTime() + REACH_WITHIN.toNanos();
        do {
            if (pingsOnce(fleet, ns, address)) {
                return true;
            }
        } while (System.nanoTime() < deadline);
        return false;
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
