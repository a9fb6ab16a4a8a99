package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.testing.Await;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;

/**
 * Windowed TFTP (RFC 7440) over a real Ethernet path (veth, bridge, veth), not loopback: leo sends
 * each window as UDP GSO datagrams that the kernel cuts into one DATA packet per block. atftp in
 * another namespace fetches a file with windowsize 16 twice: over the Ethernet MTU of 1500
 * (segmentation used) and after the server's link MTU drops to 1400, below a 1432-byte block: the
 * kernel refuses segments larger than the path MTU, leo falls back to one datagram per block, and
 * the kernel fragments those. Both fetches must be byte-identical to the file and logged as served
 * whole.
 */
@Tag("system")
class WindowedTftpIT {
    private static final String FILE = "window.bin";
    private static final int SIZE = 8 << 20;
    private static final MacAddress MAC = MacAddress.parse("52:54:00:6b:00:1f");
    private static final String CLIENT_CIDR = "10.77.0.21/24";
    private static final String REFUSED = "refused UDP segmentation offload";

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"), "needs root (network namespaces)");
        assumeTrue(Exec.onPath("atftp"), "atftp missing (Debian package atftp)");
    }

    @Test
    void windowedFetchIsExactWithSegmentationOffloadAndWithoutIt() throws Exception {
        Path run = Files.createTempDirectory("leow-run-");
        Path bootRoot = E2eFiles.placeholderBootRoot(run.resolve("root"));
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] bytes = new byte[SIZE];
        new Random(0x77696e64L).nextBytes(bytes);
        Files.write(bootRoot.resolve(FILE), bytes);
        String sha = HexFormat.of().formatHex(md.digest(bytes));
        try (NetNsTopology topo = NetNsTopology.create("leow");
             ClientNetNs host = ClientNetNs.attach(topo, 'w', MAC, Optional.of(CLIENT_CIDR));
             CrashableLeoServer server = new CrashableLeoServer(topo.pi(), run, bootRoot,
                     List.of("--no-dhcp", "--no-http", "--no-ra"))) {
            server.start();
            Path out = run.resolve("got.bin");
            String[] atftp = {"atftp", "--option", "blksize 1432", "--option", "windowsize 16", "-g", "-r", FILE,
                "-l", out.toString(), topo.pi().address()};

            Exec.Result offload = host.run(Duration.ofSeconds(120), atftp);
            assertThat(offload.exitCode()).as("atftp, MTU 1500: %s", offload.output()).isZero();
            assertThat(E2eFiles.sha256(out)).isEqualTo(sha);
            assertThat(server.log()).doesNotContain(REFUSED);

            Exec.check("ip", "-n", topo.pi().netns(), "link", "set", topo.pi().ifName(), "mtu", "1400");
            Files.delete(out);
            Exec.Result plain = host.run(Duration.ofSeconds(120), atftp);
            assertThat(plain.exitCode()).as("atftp, server MTU 1400: %s", plain.output()).isZero();
            assertThat(E2eFiles.sha256(out)).isEqualTo(sha);
            assertThat(server.log()).contains(REFUSED);

            // The server logs FILE_SERVED after the last ACK, asynchronously: atftp may have exited first.
            List<BootEvent> served = Await.until("two FILE_SERVED events of " + FILE, Duration.ofSeconds(30),
                    () -> server.events().stream().filter(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals(FILE)).toList(),
                    l -> l.size() >= 2);
            assertThat(served).hasSize(2).allMatch(e -> e.bytes() == SIZE && e.sha256Hex().equals(sha));
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }
}
