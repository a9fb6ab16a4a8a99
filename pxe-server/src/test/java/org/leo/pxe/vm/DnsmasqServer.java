package org.leo.pxe.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The stand-in boot server: dnsmasq (DHCP + TFTP, {@code --port=0}: no DNS) plus
 * {@code python3 -m http.server}, both in the server namespace, both stopped by PID.
 *
 * <p>dnsmasq gives iPXE clients (tag set by option 175) the filename {@link BootRoot#dhcpFilename}
 * and next-server = the server address, and sends option 175 with sub-option 176 (no-pxedhcp) = 1.
 * With {@code routerAdvertisements} it also answers IPv6 Router Solicitations ({@code --enable-ra},
 * {@code ra-only}: M=O=0 for a ULA prefix on the server veth) so iPXE skips its ~16 s IPv6 wait; the
 * project's own server answers RAs itself.
 */
public final class DnsmasqServer implements BootServerUnderTest {
    /** ULA prefix used only for the stand-in's Router Advertisements inside the private segment. */
    static final String ULA_ADDRESS = "fd77::1/64";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern DHCPACK = Pattern.compile("DHCPACK\\(");

    private final Path runDir;
    private final boolean routerAdvertisements;
    private ServerProcess dnsmasq;
    private ServerProcess http;

    /** @param runDir where logs and the lease file go; created if missing */
    public DnsmasqServer(Path runDir, boolean routerAdvertisements) {
        this.runDir = runDir;
        this.routerAdvertisements = routerAdvertisements;
    }

    @Override
    public void start(NetNsHost pi, BootRoot root, BootMode mode) throws IOException {
        Files.createDirectories(runDir);
        String srv = pi.address();
        String net = srv.substring(0, srv.lastIndexOf('.') + 1);
        List<String> args = new ArrayList<>(List.of("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
                "--interface=" + pi.ifName(), "--bind-interfaces", "--dhcp-authoritative", "--no-ping",
                "--dhcp-range=" + net + "100," + net + "150,255.255.255.0,10m",
                "--dhcp-match=set:ipxe,175",
                "--dhcp-boot=tag:ipxe," + root.dhcpFilename(mode) + ",," + srv,
                // option 175 (iPXE encapsulated), sub-option 176 (no-pxedhcp), length 1, value 1
                "--dhcp-option=175,b0:01:01",
                "--enable-tftp", "--tftp-root=" + root.dir(), "--log-dhcp", "--log-facility=-",
                "--dhcp-leasefile=" + runDir.resolve("dnsmasq.leases"),
                "--pid-file=" + runDir.resolve("dnsmasq.pid"), "--user=root"));
        if (routerAdvertisements) {
            pi.exec("ip", "-6", "addr", "add", ULA_ADDRESS, "dev", pi.ifName(), "nodad");
            args.add("--enable-ra");
            args.add("--dhcp-range=::,constructor:" + pi.ifName() + ",ra-only,64,10m");
        }
        dnsmasq = ServerProcess.start("dnsmasq", pi.processBuilder(args.toArray(String[]::new)),
                runDir.resolve("dnsmasq.log"));
        http = ServerProcess.start("http.server", pi.processBuilder("python3", "-u", "-m", "http.server",
                Integer.toString(root.httpPort()), "--bind", srv, "--directory", root.dir().toString()),
                runDir.resolve("http.log"));
        try {
            dnsmasq.awaitReady(Pattern.compile("TFTP root is"), READY_TIMEOUT);
            http.awaitReady(Pattern.compile("Serving HTTP on"), READY_TIMEOUT);
        } catch (IOException e) {
            stop();
            throw e;
        }
    }

    @Override
    public Optional<Long> firstDhcpAckNanoTime() {
        return dnsmasq == null ? Optional.empty()
                : dnsmasq.output().find(DHCPACK, 0).map(TimedLine::nanoTime);
    }

    /** dnsmasq's log lines so far (empty before start). */
    public List<TimedLine> dnsmasqLog() {
        return dnsmasq == null ? List.of() : dnsmasq.output().lines();
    }

    @Override
    public void stop() {
        if (http != null) {
            http.stop();
        }
        if (dnsmasq != null) {
            dnsmasq.stop();
        }
    }
}
