package org.leo.pxe.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.pxe.testing.NetNs;

/**
 * The server's address is not a wall: Linux accepts a packet for any of its addresses on any
 * interface (the weak host model), so a socket bound to the HPC-side address 10.77.0.1 still
 * answers a machine on another link that routes 10.77.0.1 through the Pi. Bound to the HPC
 * interface as well (SO_BINDTODEVICE), it does not.
 *
 * <pre>
 *  hpc ns  10.77.0.10 ── veth ── 10.77.0.1  [server ns: TFTP + HTTP on 10.77.0.1, dev = the HPC veth]
 *                                10.88.0.1 ── veth ── 10.88.0.2  other ns (route 10.77.0.0/24 via 10.88.0.1)
 * </pre>
 * Real clients: curl for TFTP and HTTP. Needs root, iproute2 and curl.
 */
@Tag("system")
class HpcInterfaceBindSystemTest {
    private static final int CURL_SECONDS = 5;

    @TempDir
    Path root;

    @Test
    void requestsForTheHpcAddressArrivingOnAnotherInterfaceAreNotAnswered() throws Exception {
        assumeTrue(NetNs.unavailableReason("curl").isEmpty(), () -> NetNs.unavailableReason("curl").orElse(""));
        Files.writeString(root.resolve("f"), "boot bytes\n");
        try (NetNs hpcLink = NetNs.create("lsp"); NetNs otherLink = NetNs.create("lspo")) {
            NetNs.Side server = hpcLink.a();
            NetNs.Side hpc = hpcLink.b();
            NetNs.Side other = otherLink.a();
            String serverOther = otherLink.b().link();
            hpcLink.address(server, "10.77.0.1/24");
            hpcLink.address(hpc, "10.77.0.10/24");
            otherLink.address(other, "10.88.0.2/24");
            must(List.of("ip", "-n", otherLink.b().namespace(), "link", "set", serverOther, "netns", server.namespace()));
            must(List.of("ip", "-n", server.namespace(), "addr", "add", "10.88.0.1/24", "dev", serverOther));
            must(List.of("ip", "-n", server.namespace(), "link", "set", serverOther, "up"));
            must(List.of("ip", "-n", other.namespace(), "route", "add", "10.77.0.0/24", "via", "10.88.0.1"));

            List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", testClasspath(), BoundServersMain.class.getName(), "10.77.0.1", server.link(), root.toString()));
            Process p = hpcLink.start(server, ProcessBuilder.Redirect.PIPE, java);
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Matcher ready = null;
            for (String line; (line = out.readLine()) != null; ) { // bounded: the process ends if it cannot start
                Matcher m = Pattern.compile("^READY tftp=(\\d+) http=(\\d+)$").matcher(line);
                if (m.matches()) {
                    ready = m;
                    break;
                }
            }
            assertThat(ready).as("server started").isNotNull();
            String tftp = "tftp://10.77.0.1:" + ready.group(1) + "/f";
            String http = "http://10.77.0.1:" + ready.group(2) + "/f";

            NetNs.Result viaHpc = hpcLink.run(hpc, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, tftp);
            assertThat(viaHpc.exitCode()).as(viaHpc.output()).isZero();
            assertThat(viaHpc.output()).isEqualTo("boot bytes\n");
            NetNs.Result httpViaHpc = hpcLink.run(hpc, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, http);
            assertThat(httpViaHpc.output()).isEqualTo("boot bytes\n");

            // the other link routes 10.77.0.1 through the server, which would accept it there (weak host
            // model): only the device binding keeps TFTP and HTTP from answering
            NetNs.Result tftpViaOther = otherLink.run(other, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, tftp);
            assertThat(tftpViaOther.exitCode()).as("TFTP from the other link: %s", tftpViaOther.output()).isNotZero();
            assertThat(tftpViaOther.output()).doesNotContain("boot bytes");
            NetNs.Result httpViaOther = otherLink.run(other, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, http);
            assertThat(httpViaOther.exitCode()).as("HTTP from the other link: %s", httpViaOther.output()).isEqualTo(7);
            assertThat(httpViaOther.output()).contains("Couldn't connect to server"); // a RST: no listening socket there
            System.out.println("from the other link: TFTP: " + tftpViaOther.output().trim() + " | HTTP: " + httpViaOther.output().trim());
        }
    }

    private static void must(List<String> cmd) throws Exception {
        NetNs.Result r = NetNs.exec(cmd, 10);
        assertThat(r.exitCode()).as("%s: %s", cmd, r.output()).isZero();
    }

    private static String testClasspath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }
}
