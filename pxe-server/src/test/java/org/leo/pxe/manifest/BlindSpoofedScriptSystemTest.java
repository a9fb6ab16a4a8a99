package org.leo.pxe.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.testing.Await;
import org.leo.pxe.testing.NetNs;

/**
 * A blind spoof on the HPC's segment: a machine there sends a TFTP read request for the boot
 * script with the HPC's address as its source. It does not take the address over (it answers no
 * ARP), so the server's neighbour table still maps the address to the HPC's MAC, the source check
 * passes, and the server makes a script with a fresh nonce and sends it to the real HPC, which
 * never asked and acknowledges nothing. The script is never delivered, so the HPC's current boot
 * (its nonce, the session attestation checks) stays the one it fetched itself.
 *
 * <pre>
 *  server ns 10.77.0.1 ──┐
 *  hpc ns    10.77.0.10 ─┼─ bridge (switch ns)
 *  spoofer ns 10.77.0.10 ┘  (nodad, arp off, static neighbour entry for the server)
 * </pre>
 * The server is {@link ManifestTftpMain} (TFTP bound to its link, requests checked against its
 * neighbour table). Real clients: curl for the HPC's TFTP; the spoofer's request is one UDP
 * datagram from python3. Needs root, iproute2, curl and python3.
 */
@Tag("system")
class BlindSpoofedScriptSystemTest {
    private static final String SERVER_IP = "10.77.0.1";
    private static final String HPC_IP = "10.77.0.10";
    private static final MacAddress HPC_MAC = MacAddress.parse("52:54:00:77:00:10");
    private static final String SPOOFER_MAC = "02:00:00:66:66:66";
    private static final int CURL_SECONDS = 5;
    /** Bounds every wait; the server gives a silent TFTP peer up after about 6 s (1 s timeout, 5 retries). */
    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final Pattern NONCE = Pattern.compile("leo\\.nonce=([0-9a-f]{64})");
    /** One RRQ for boot.ipxe (octet mode) to the port in argv[1]; prints its own source port; waits for nothing. */
    private static final String SPOOFED_RRQ = "import socket, sys\n"
            + "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
            + "s.sendto(b'\\x00\\x01boot.ipxe\\x00octet\\x00', ('" + SERVER_IP + "', int(sys.argv[1])))\n"
            + "print(s.getsockname()[1])\n";

    @TempDir
    Path dir;

    @Test
    void aBlindSpoofedScriptRequestNeitherRotatesTheHpcsNonceNorStartsABoot() throws Exception {
        assumeTrue(NetNs.unavailableReason("curl", "python3").isEmpty(),
                () -> NetNs.unavailableReason("curl", "python3").orElse(""));
        String kernel = "linux kernel stand-in\n".repeat(100); // several TFTP blocks
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.writeString(root.resolve("vmlinuz"), kernel);
        Files.writeString(root.resolve("initrd.img"), "initrd stand-in\n");
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(dir.resolve("keys"));
        ManifestTool.create(root, keys.privateKey(), dir.resolve("boot.manifest"), "blind spoof test");

        List<String> serverOutput = new CopyOnWriteArrayList<>();
        try (NetNs serverLink = NetNs.create("lbs"); NetNs hpcLink = NetNs.create("lbs"); NetNs spooferLink = NetNs.create("lbs")) {
            NetNs.Side server = serverLink.a();
            NetNs.Side hpc = hpcLink.a();
            NetNs.Side spoofer = spooferLink.a();
            segment(serverLink, hpcLink, spooferLink);
            serverLink.address(server, SERVER_IP + "/24");
            hpcLink.mac(hpc, HPC_MAC.toString());
            hpcLink.address(hpc, HPC_IP + "/24");

            int port = startServer(serverLink, server, serverOutput);
            String tftp = "tftp://" + SERVER_IP + ":" + port + "/";
            try (SqliteBootEventLog log = SqliteBootEventLog.open(dir.resolve("events.db"))) {
                // 1. the HPC fetches its script with a real TFTP client: delivered, it starts the boot
                NetNs.Result script = hpcLink.run(hpc, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, tftp + "boot.ipxe");
                assertThat(script.exitCode()).as(script.output()).isZero();
                Matcher n = NONCE.matcher(script.output());
                assertThat(n.find()).as("nonce in the script: %s", script.output()).isTrue();
                String n1 = n.group(1);
                BootSession s1 = Await.until("the HPC's delivered script to start its boot", BOUND,
                        () -> log.latestBoot(HPC_MAC), s -> s.isPresent()).orElseThrow();
                assertThat(s1.nonce()).isEqualTo(n1);
                assertThat(s1.scriptSha256()).isEqualTo(Sha256.hex(script.output().getBytes(StandardCharsets.US_ASCII)));

                // 2. the spoofer: the HPC's address without taking it over (no DAD, no ARP answers), the
                // server's MAC known statically; one RRQ, and it never sees (or acknowledges) an answer
                String serverMac = linkMac(serverLink, server);
                spooferLink.mac(spoofer, SPOOFER_MAC);
                spooferLink.ip(spoofer, "link", "set", "dev", spoofer.link(), "arp", "off");
                spooferLink.ip(spoofer, "addr", "add", HPC_IP + "/24", "dev", spoofer.link(), "nodad");
                spooferLink.ip(spoofer, "neigh", "replace", SERVER_IP, "lladdr", serverMac, "dev", spoofer.link(), "nud", "permanent");
                long hpcNoPorts = udpCounter(hpcLink, hpc, "NoPorts");
                long spooferIn = udpCounter(spooferLink, spoofer, "InDatagrams") + udpCounter(spooferLink, spoofer, "NoPorts");

                NetNs.Result rrq = spooferLink.run(spoofer, 10, "python3", "-c", SPOOFED_RRQ, "" + port);
                assertThat(rrq.exitCode()).as(rrq.output()).isZero();
                String spoofedClient = HPC_IP + ":" + rrq.output().trim();
                // the request reached the server, passed the source check and got the HPC a script it never
                // asked for; the server gave the transfer up unacknowledged
                List<LoggedEvent> spoofed = Await.until("the spoofed request's script and the end of its transfer", BOUND,
                        () -> log.since(s1.scriptEventId(), 100).stream().filter(e -> e.event().client().equals(spoofedClient)).toList(),
                        l -> l.stream().anyMatch(e -> e.event().stage() != BootStage.SCRIPT_SERVED));
                assertThat(spoofed).extracting(e -> e.event().stage())
                        .containsExactly(BootStage.SCRIPT_SERVED, BootStage.FILE_INCOMPLETE);
                BootEvent spoofedScript = spoofed.get(0).event();
                assertThat(spoofedScript.mac()).as("served as the HPC's script").contains(HPC_MAC);
                assertThat(spoofedScript.bootNonce()).hasSize(64).isNotEqualTo(n1);
                assertThat(neighbour(serverLink, server, HPC_IP)).as("the server's neighbour entry: no ARP takeover")
                        .contains(HPC_MAC.toString());
                assertThat(udpCounter(hpcLink, hpc, "NoPorts")).as("the script's DATA went to the HPC, at no socket of it")
                        .isGreaterThan(hpcNoPorts);
                assertThat(udpCounter(spooferLink, spoofer, "InDatagrams") + udpCounter(spooferLink, spoofer, "NoPorts"))
                        .as("the spoofer saw no answer: blind").isEqualTo(spooferIn);

                // 3. the HPC's boot is still the one it fetched: same script event, same nonce
                BootSession after = log.latestBoot(HPC_MAC).orElseThrow();
                assertThat(after.nonce()).as("the HPC's nonce after the spoof").isEqualTo(n1);
                assertThat(after.scriptEventId()).isEqualTo(s1.scriptEventId());
                // and the files it fetches next carry that nonce
                NetNs.Result k = hpcLink.run(hpc, CURL_SECONDS + 5, "curl", "-sS", "--max-time", "" + CURL_SECONDS, tftp + "vmlinuz");
                assertThat(k.exitCode()).as(k.output()).isZero();
                assertThat(k.output()).isEqualTo(kernel);
                BootEvent served = Await.until("the kernel's FILE_SERVED", BOUND,
                        () -> log.eventsFor(HPC_MAC, 100).stream()
                                .filter(e -> e.stage() == BootStage.FILE_SERVED && e.file().equals("vmlinuz")).findFirst(),
                        e -> e.isPresent()).orElseThrow();
                assertThat(served.bootNonce()).as("the kernel fetch's nonce").isEqualTo(n1);
                BootSession last = log.latestBoot(HPC_MAC).orElseThrow();
                assertThat(last.scriptEventId()).isEqualTo(s1.scriptEventId());
                assertThat(last.servedFiles()).containsEntry("vmlinuz", Sha256.hex(kernel.getBytes(StandardCharsets.US_ASCII)));
            }
        } finally {
            System.out.println("server output:\n" + String.join("\n", serverOutput));
        }
    }

    /**
     * One Ethernet segment: a bridge in {@code switchLink}'s b namespace, with {@code switchLink}'s
     * own b link and the b links of the others moved in as its ports.
     */
    private static void segment(NetNs switchLink, NetNs... others) throws Exception {
        NetNs.Side sw = switchLink.b();
        switchLink.ip(sw, "link", "add", "seg", "type", "bridge");
        List<String> ports = new ArrayList<>(List.of(sw.link()));
        for (NetNs other : others) {
            other.ip(other.b(), "link", "set", other.b().link(), "netns", sw.namespace());
            ports.add(other.b().link());
        }
        for (String p : ports) {
            switchLink.ip(sw, "link", "set", p, "master", "seg", "up");
        }
        switchLink.ip(sw, "link", "set", "seg", "up");
    }

    /** Starts {@link ManifestTftpMain} in {@code server}; collects its output; returns its TFTP port once it is ready. */
    private int startServer(NetNs ns, NetNs.Side server, List<String> output) throws Exception {
        String cp = System.getProperty("surefire.test.class.path");
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path"), ManifestTftpMain.class.getName(),
                SERVER_IP, server.link(), dir.toString(), HPC_IP, HPC_MAC.toString());
        Process p = ns.start(server, ProcessBuilder.Redirect.PIPE, java);
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            Pattern readyLine = Pattern.compile("^READY tftp=(\\d+)$");
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    output.add(line);
                    Matcher m = readyLine.matcher(line);
                    if (m.matches()) {
                        ready.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (java.io.IOException e) {
                output.add("<" + e + ">");
            }
            ready.completeExceptionally(new AssertionError("server ended before it was ready: " + output));
        }, "server output");
        reader.setDaemon(true);
        reader.start();
        return ready.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    }

    private static String linkMac(NetNs ns, NetNs.Side side) throws Exception {
        NetNs.Result r = ns.run(side, 10, "cat", "/sys/class/net/" + side.link() + "/address");
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output().trim();
    }

    private static String neighbour(NetNs ns, NetNs.Side side, String ip) throws Exception {
        NetNs.Result r = ns.run(side, 10, "ip", "neigh", "show", ip, "dev", side.link());
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.output();
    }

    /** A counter of the {@code Udp:} lines of {@code /proc/net/snmp} in {@code side}'s namespace. */
    private static long udpCounter(NetNs ns, NetNs.Side side, String name) throws Exception {
        NetNs.Result r = ns.run(side, 10, "cat", "/proc/net/snmp");
        assertThat(r.exitCode()).as(r.output()).isZero();
        List<String[]> udp = r.output().lines().filter(l -> l.startsWith("Udp: ")).map(l -> l.split("\\s+")).toList();
        assertThat(udp).as(r.output()).hasSize(2);
        int i = Arrays.asList(udp.get(0)).indexOf(name);
        assertThat(i).as("%s in %s", name, r.output()).isPositive();
        return Long.parseLong(udp.get(1)[i]);
    }
}
