package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;

/**
 * Every TCP port {@code leo pxe serve --interface IF --attest} opens for the HPC (HTTP boot, the
 * enrollment port, the attestation port) answers on the HPC segment and nowhere else. Linux accepts
 * a packet for any of its addresses on any interface (the weak host model), so a listening socket
 * bound to the HPC-side address 10.77.0.1 alone would still accept a machine on another link that
 * routes 10.77.0.0/24 through the Pi; bound to the interface as well (SO_BINDTODEVICE) it answers
 * that machine with a reset.
 *
 * <pre>
 *  client ns 10.77.0.30 ── bridge ── 10.77.0.1 [pi ns: leo pxe serve --interface &lt;pi veth&gt; --attest]
 *                                    10.88.0.1 ── veth ── 10.88.0.2  other ns (route 10.77.0.0/24 via 10.88.0.1)
 * </pre>
 * TFTP, UDP, is covered the same way by pxe-server's HpcInterfaceBindSystemTest.
 */
@Tag("system")
class HpcInterfaceOnlyIT {
    private static final MacAddress MAC = MacAddress.parse("52:54:00:6b:00:2e");
    private static final int HTTP_PORT = 8080;
    private static final int ENROLL_PORT = 7443;
    private static final int ATTEST_PORT = 7444;

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"), "needs root (network namespaces)");
    }

    @Test
    void bootAndAttestationPortsAnswerTheHpcSegmentOnlyNotAnotherLinkRoutedThroughThePi() throws Exception {
        Path run = Files.createTempDirectory("leoi-run-");
        Path bootRoot = E2eFiles.placeholderBootRoot(run.resolve("root"));
        Path policy = Files.writeString(run.resolve("policy.properties"), "tpm.required=false\n");
        try (NetNsTopology topo = NetNsTopology.create("leoi");
             ClientNetNs hpc = ClientNetNs.attach(topo, 'i', MAC, Optional.of("10.77.0.30/24"));
             OtherLink other = OtherLink.attach(topo);
             CrashableLeoServer server = new CrashableLeoServer(topo.pi(), run, bootRoot, List.of("--no-dhcp", "--no-ra",
                     "--http-port", "" + HTTP_PORT, "--attest", "--attest-policy", policy.toString(),
                     "--attest-enroll-port", "" + ENROLL_PORT, "--attest-port", "" + ATTEST_PORT))) {
            server.start();
            assertThat(server.log()).contains("attestation on port " + ATTEST_PORT + " (dev " + topo.pi().ifName() + ")");
            String pi = topo.pi().address();
            for (int port : List.of(HTTP_PORT, ENROLL_PORT, ATTEST_PORT)) {
                Exec.Result fromHpc = hpc.run(Duration.ofSeconds(15), connect(pi, port));
                assertThat(fromHpc.exitCode()).as("connect from the HPC segment to %s:%d: %s", pi, port, fromHpc.output()).isZero();
                Exec.Result fromOther = other.run(Duration.ofSeconds(15), connect(pi, port));
                assertThat(fromOther.exitCode()).as("connect from the other link to %s:%d: %s", pi, port, fromOther.output()).isNotZero();
                assertThat(fromOther.output()).as("a reset: no socket listens there for that link").contains("Connection refused");
                System.out.println("port " + port + ": HPC segment connects; other link: " + fromOther.output().strip());
            }
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    /**
     * The operator's port of {@code leo serve --interface IF} listens on every address (0.0.0.0), and the HPC segment
     * reaches none of them: a request to the Pi's HPC-side address is refused (it arrives on the HPC interface), and so is
     * one from the HPC segment to the Pi's address on the other link (it comes from the HPC subnet, routed by the Pi to
     * itself), both 403 before any password is checked. From the other link the same port answers (401 without a
     * password, 200 with one).
     */
    @Test
    void theOperatorPortRefusesTheHpcSegmentOnEveryAddressOfThePi() throws Exception {
        Path run = Files.createTempDirectory("leoi-web-");
        Path bootRoot = E2eFiles.placeholderBootRoot(run.resolve("root"));
        Path users = run.resolve("users");
        org.leo.appliance.service.Users.put(users, "olga", java.util.Set.of("operator", "viewer"), "olga-password".toCharArray());
        int web = 9081;
        try (NetNsTopology topo = NetNsTopology.create("leoi");
             ClientNetNs hpc = ClientNetNs.attach(topo, 'w', MAC, Optional.of("10.77.0.31/24"));
             OtherLink other = OtherLink.attach(topo);
             CrashableLeoServer server = new CrashableLeoServer(topo.pi(), run, bootRoot, List.of("serve"), List.of("--no-dhcp", "--no-ra",
                     "--no-warmup", "--http-port", "" + HTTP_PORT, "--web-port", "" + web, "--web-address", "0.0.0.0", "--users", users.toString()))) {
            server.start();
            Exec.check("ip", "-n", hpc.netns(), "route", "add", "10.88.0.0/24", "via", topo.pi().address());
            String[] withPassword = {"-u", "olga:olga-password"};
            assertThat(status(hpc.run(Duration.ofSeconds(20), curl("http://" + topo.pi().address() + ":" + web + "/api/me", withPassword))))
                    .as("from the HPC segment to the Pi's HPC-side address").isEqualTo("403");
            assertThat(status(hpc.run(Duration.ofSeconds(20), curl("http://10.88.0.1:" + web + "/api/me", withPassword))))
                    .as("from the HPC segment to the Pi's address on the other link").isEqualTo("403");
            assertThat(status(other.run(Duration.ofSeconds(20), curl("http://10.88.0.1:" + web + "/api/me")))).as("from the other link").isEqualTo("401");
            assertThat(status(other.run(Duration.ofSeconds(20), curl("http://10.88.0.1:" + web + "/api/me", withPassword)))).isEqualTo("200");
            assertThat(server.log()).contains("refused GET /api/me from").contains("10.77.0.31").contains("does not reach the operator's port");
            System.out.println("operator port: HPC segment 403 on both of the Pi's addresses; other link 401/200");
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    /** curl printing only the HTTP status of a GET of {@code url}. */
    private static String[] curl(String url, String... extra) {
        List<String> argv = new java.util.ArrayList<>(List.of("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "15"));
        argv.addAll(List.of(extra));
        argv.add(url);
        return argv.toArray(String[]::new);
    }

    private static String status(Exec.Result r) {
        return r.output().strip();
    }

    /** A TCP connect that exits 0 once the handshake completed and closes at once. */
    private static String[] connect(String host, int port) {
        return new String[] {"timeout", "10", "bash", "-c", "exec 3<>/dev/tcp/" + host + "/" + port + " && exec 3>&-"};
    }

    /** A namespace on another link of the Pi, 10.88.0.2, with a route to the HPC segment through the Pi. */
    private record OtherLink(String netns) implements AutoCloseable {
        static OtherLink attach(NetNsTopology topo) throws Exception {
            String netns = topo.prefix() + "-o";
            String piSide = topo.prefix() + "o0";
            Exec.check("ip", "netns", "add", netns);
            OtherLink o = new OtherLink(netns);
            try {
                Exec.check("ip", "-n", netns, "link", "add", "leoko0", "type", "veth", "peer", "name", piSide, "netns", topo.pi().netns());
                Exec.check("ip", "-n", netns, "addr", "add", "10.88.0.2/24", "dev", "leoko0");
                Exec.check("ip", "-n", netns, "link", "set", "lo", "up");
                Exec.check("ip", "-n", netns, "link", "set", "leoko0", "up");
                Exec.check("ip", "-n", topo.pi().netns(), "addr", "add", "10.88.0.1/24", "dev", piSide);
                Exec.check("ip", "-n", topo.pi().netns(), "link", "set", piSide, "up");
                Exec.check("ip", "-n", netns, "route", "add", "10.77.0.0/24", "via", "10.88.0.1");
            } catch (Exception e) {
                o.close();
                throw e;
            }
            return o;
        }

        Exec.Result run(Duration timeout, String... argv) throws Exception {
            String[] cmd = new String[argv.length + 4];
            cmd[0] = "ip";
            cmd[1] = "netns";
            cmd[2] = "exec";
            cmd[3] = netns;
            System.arraycopy(argv, 0, cmd, 4, argv.length);
            return Exec.run(timeout, cmd);
        }

        @Override
        public void close() throws Exception {
            Exec.run(Duration.ofSeconds(10), "ip", "netns", "del", netns);
        }
    }
}
