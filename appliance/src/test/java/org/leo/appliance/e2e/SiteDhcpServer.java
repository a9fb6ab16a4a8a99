package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;
import org.leo.pxe.vm.ServerProcess;

/**
 * A site's own DHCP server on the HPC segment, for proxyDHCP tests: dnsmasq in a third network
 * namespace ({@code <prefix>-site}, 10.77.0.2) whose veth joins the topology's bridge. It hands
 * out addresses only: no boot file, no next-server, no PXE options.
 */
final class SiteDhcpServer implements AutoCloseable {
    static final String ADDRESS = "10.77.0.2";

    private final String netns;
    private final Path runDir;
    private final Thread cleanup;
    private ServerProcess dnsmasq;

    private SiteDhcpServer(String netns, Path runDir) {
        this.netns = netns;
        this.runDir = runDir;
        this.cleanup = new Thread(this::deleteNamespace, "site-dhcp-cleanup");
    }

    static SiteDhcpServer start(NetNsTopology topo, Path runDir) throws IOException {
        String ns = topo.prefix() + "-site";
        String siteIf = topo.prefix() + "st";
        String bridgeIf = topo.prefix() + "sb";
        String hpcNs = topo.hpc().netns();
        SiteDhcpServer s = new SiteDhcpServer(ns, runDir);
        Runtime.getRuntime().addShutdownHook(s.cleanup);
        try {
            Files.createDirectories(runDir);
            Exec.check("ip", "netns", "add", ns);
            Exec.check("ip", "-n", ns, "link", "add", siteIf, "type", "veth", "peer", "name", bridgeIf, "netns", hpcNs);
            Exec.check("ip", "-n", hpcNs, "link", "set", bridgeIf, "master", topo.bridge());
            Exec.check("ip", "-n", hpcNs, "link", "set", bridgeIf, "up");
            Exec.check("ip", "-n", ns, "link", "set", "lo", "up");
            Exec.check("ip", "-n", ns, "addr", "add", ADDRESS + "/24", "dev", siteIf);
            Exec.check("ip", "-n", ns, "link", "set", siteIf, "up");
            s.dnsmasq = ServerProcess.start("site-dnsmasq", new ProcessBuilder("ip", "netns", "exec", ns,
                    "dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0", "--interface=" + siteIf,
                    "--bind-interfaces", "--no-ping", "--log-dhcp", "--log-facility=-", "--user=root",
                    "--dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,10m",
                    "--dhcp-leasefile=" + runDir.resolve("dnsmasq.leases")), runDir.resolve("dnsmasq.log"));
            s.dnsmasq.awaitReady(Pattern.compile("DHCP, IP range"), Duration.ofSeconds(20));
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    String log() {
        StringBuilder b = new StringBuilder();
        if (dnsmasq != null) {
            dnsmasq.output().lines().forEach(l -> b.append(l.text()).append('\n'));
        }
        return b.toString();
    }

    private void deleteNamespace() {
        try {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", netns);
        } catch (IOException e) {
            // best effort at shutdown
        }
    }

    @Override
    public void close() {
        if (dnsmasq != null) {
            dnsmasq.stop();
        }
        deleteNamespace();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // already shutting down
        }
    }
}
