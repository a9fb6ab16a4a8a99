package org.leo.appliance.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.appliance.cli.AttestCommandTest;
import org.leo.appliance.cli.AttestCommandTest.Run;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Severity;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.server.AttestationEngine;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsHost;
import org.leo.pxe.vm.ServerProcess;

/**
 * The gateway with a real nft ruleset in network namespaces: an HPC ({@code leohN-hpc}), the Pi ({@code leohN-pi},
 * forwarding on, the HPC link and an uplink) and a host beyond the uplink ({@code leohN-out}, which routes the HPC
 * subnet back to the Pi, so that without the ruleset the HPC reaches it: the baseline shows that what is blocked is
 * blocked by the ruleset, not by routing). The ruleset is loaded by {@code leo gateway apply} (in this JVM, nft under
 * {@code ip netns exec}); listeners are socat, dnsmasq's TFTP and tcpdump on NFLOG group 5 for the log lines (the kernel
 * log takes no lines from a namespace: {@code log group} is what a namespace can read).
 */
@Tag("system")
class GatewayNetnsTest {
    static final GatewayTopology NET = GatewayTopology.of("leohN");
    static final NetNsHost HPC = NET.hpc();
    static final NetNsHost PI = NET.pi();
    static final NetNsHost OUT = NET.out();
    static final String UPLINK = NET.uplink();
    static final String PI_UPLINK_ADDRESS = GatewayTopology.PI_UPLINK_ADDRESS;
    static final String HPC_MAC = GatewayTopology.HPC_MAC;
    static final int LOG_GROUP = 5;
    static final List<ServerProcess> LISTENERS = new ArrayList<>();

    @TempDir
    static Path dir;

    static byte[] tftpFile;

    @BeforeAll
    static void topology() throws IOException {
        Optional<String> unavailable = GatewayTopology.unavailable("ip", "nft", "socat", "busybox", "tcpdump", "dnsmasq");
        assumeTrue(unavailable.isEmpty(), unavailable.orElse(""));
        NET.create();

        // The Pi's services (boot and attestation ports, one it does not open, the operator's port) and the outside's.
        for (int port : List.of(80, 7443, 7444, 22, 8080)) {
            listen(PI, "TCP4-LISTEN:" + port + ",reuseaddr,fork", "pi-" + port);
        }
        listen(PI, "UDP4-RECVFROM:67,fork", "pi-67");
        listen(OUT, "TCP4-LISTEN:443,bind=192.0.2.7,reuseaddr,fork", "out-443");
        listen(OUT, "TCP4-LISTEN:444,bind=192.0.2.7,reuseaddr,fork", "out-444");
        listen(OUT, "TCP6-LISTEN:443,bind=[2001:db8:2::7],reuseaddr,fork", "out6-443");
        listen(OUT, "UDP4-RECVFROM:53,bind=192.0.2.7,fork", "out-53");
        listen(HPC, "TCP4-LISTEN:22,reuseaddr,fork", "hpc-22");
        Path tftpRoot = Files.createDirectories(dir.resolve("tftp"));
        tftpFile = new byte[100_000]; // some 200 blocks of 512 bytes: every ACK goes to the server's ephemeral data port
        new SecureRandom().nextBytes(tftpFile);
        Files.write(tftpRoot.resolve("boot.bin"), tftpFile);
        ServerProcess dnsmasq = ServerProcess.start("dnsmasq", PI.processBuilder("dnsmasq", "--no-daemon", "--conf-file=/dev/null", "--port=0",
                "--listen-address=10.77.0.1", "--bind-interfaces", "--enable-tftp", "--tftp-root=" + tftpRoot, "--log-facility=-",
                "--pid-file=" + dir.resolve("dnsmasq.pid"), "--user=root"), dir.resolve("dnsmasq.log"));
        LISTENERS.add(dnsmasq);
        dnsmasq.awaitReady(Pattern.compile("TFTP root is"), Duration.ofSeconds(10));
        System.setProperty("leo.config", Files.writeString(dir.resolve("leo.properties"), "").toString()); // not this machine's /etc/leo
    }

    @AfterAll
    static void cleanUp() throws IOException {
        try {
            LISTENERS.forEach(ServerProcess::stop);
            LISTENERS.clear();
        } finally {
            System.clearProperty("leo.config");
            NET.close();
        }
    }

    /**
     * A socat listener in {@code h} that answers every connection or datagram with {@code reply} and the peer's address.
     * The answer reads its input first: a child that exits before socat hands it the datagram loses the reply (1 in 4 here).
     */
    private static void listen(NetNsHost h, String address, String reply) throws IOException {
        ServerProcess p = ServerProcess.start("socat " + reply, h.processBuilder("socat", "-d", "-d", address,
                "SYSTEM:read line; echo " + reply + " $SOCAT_PEERADDR"), dir.resolve(reply + ".log"));
        LISTENERS.add(p);
        p.awaitReady(Pattern.compile("(listening|receiving) on"), Duration.ofSeconds(10));
    }

    /** What a TCP connect from {@code from} got: the listener's line, or "" when nothing answered within 0.5 s (one SYN). */
    private static String tcp(NetNsHost from, String target, String... socatOptions) throws IOException {
        Exec.Result r = Exec.run(Duration.ofSeconds(10), from.command("socat", "-T", "2", "-",
                target + ",connect-timeout=0.5" + String.join("", socatOptions)));
        return r.exitCode() == 0 ? r.output().strip() : "";
    }

    /** One UDP datagram from the HPC; the answer, or "" after {@code waitSeconds}. */
    private static String udp(String target, String waitSeconds) throws IOException {
        return Exec.run(Duration.ofSeconds(10), HPC.command("sh", "-c", "echo x | socat -t " + waitSeconds + " - " + target)).output().strip();
    }

    /** One echo request from the HPC: "answered", or "" when no answer came within 1 s. */
    private static String ping(String... target) throws IOException {
        List<String> argv = new ArrayList<>(List.of("busybox", "ping", "-c", "1", "-W", "1"));
        argv.addAll(List.of(target));
        return Exec.run(Duration.ofSeconds(10), HPC.command(argv.toArray(String[]::new))).exitCode() == 0 ? "answered" : "";
    }

    /** Makes the attempts at once (each waits out its own timeout: they add up otherwise); what each got, by name. */
    private static Map<String, String> atOnce(Map<String, Callable<String>> attempts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(attempts.size());
        try {
            Map<String, Future<String>> running = new LinkedHashMap<>();
            attempts.forEach((what, attempt) -> running.put(what, pool.submit(attempt)));
            Map<String, String> got = new LinkedHashMap<>();
            for (var e : running.entrySet()) {
                got.put(e.getKey(), e.getValue().get(30, TimeUnit.SECONDS));
            }
            return got;
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code leo gateway apply} in the Pi's namespace with the test's interfaces, web port 8080 and NFLOG group 5. */
    private static Run apply(String... more) {
        List<String> args = new ArrayList<>(List.of("gateway", "apply", "--netns", PI.netns(), "--interface", PI.ifName(), "--address", "10.77.0.1",
                "--gateway-uplink", UPLINK, "--web-port", "8080", "--gateway-log-group", Integer.toString(LOG_GROUP)));
        args.addAll(List.of(more));
        Run r = AttestCommandTest.leo(args.toArray(String[]::new));
        assertThat(r.status()).as(r.err()).isZero();
        return r;
    }

    private static JsonNode counters() throws IOException {
        Run r = AttestCommandTest.leo("gateway", "counters", "--netns", PI.netns(), "--json");
        assertThat(r.status()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static Map<String, Long> packetsByCounter(JsonNode shown) {
        Map<String, Long> m = new TreeMap<>();
        shown.get("counters").forEach(c -> m.put(c.get("name").asText(), c.get("packets").asLong()));
        return m;
    }

    /** "mac source -> protocol destination:port = packets", sorted. */
    private static List<String> attempts(JsonNode shown) {
        List<String> out = new ArrayList<>();
        shown.get("attempts").forEach(a -> out.add(a.get("mac").asText() + " " + a.get("source").asText() + " -> " + a.get("protocol").asText() + " "
                + a.get("destination").asText() + ":" + a.get("port").asInt() + " = " + a.get("packets").asLong()));
        return out.stream().sorted().toList();
    }

    /** Without the ruleset the topology routes: the HPC reaches the outside host, which sees the HPC's own address. */
    @Test
    void withoutTheRulesetTheHpcReachesTheOutside() throws IOException {
        Exec.run(Duration.ofSeconds(10), PI.command("nft", "delete", "table", "inet", "leo")); // absent: fine
        assertThat(tcp(HPC, "TCP:192.0.2.7:443")).isEqualTo("out-443 10.77.0.10");
        assertThat(tcp(HPC, "TCP:192.0.2.1:8080")).isEqualTo("pi-8080 10.77.0.10");
        assertThat(ping("192.0.2.7")).isEqualTo("answered");
    }

    /**
     * With the ruleset the HPC reaches the Pi's boot and attestation ports (a whole TFTP transfer too: its ACKs go to the
     * server's ephemeral data port) and nothing else; each attempt counts in its reason's counter, is recorded by source
     * MAC and destination, logs one line with its reason's prefix, and becomes one finding about the HPC.
     */
    @Test
    void theHpcReachesOnlyTheBootAndAttestationPortsAndEveryOtherAttemptIsCountedLoggedAndAFinding() throws Exception {
        apply();
        try (NflogCapture log = NflogCapture.start(PI, LOG_GROUP, dir)) {
            // open
            for (int port : List.of(80, 7443, 7444)) {
                assertThat(tcp(HPC, "TCP:10.77.0.1:" + port)).as("tcp " + port).isEqualTo("pi-" + port + " 10.77.0.10");
            }
            assertThat(udp("UDP:10.77.0.1:67", "1")).isEqualTo("pi-67 10.77.0.10");
            Path fetched = dir.resolve("fetched.bin");
            Exec.Result tftp = Exec.run(Duration.ofSeconds(20), HPC.command("busybox", "tftp", "-g", "-r", "boot.bin", "-l", fetched.toString(), "10.77.0.1"));
            assertThat(tftp.exitCode()).as(tftp.output()).isZero();
            assertThat(Files.readAllBytes(fetched)).isEqualTo(tftpFile);

            // closed: the Pi's other ports, the operator's port on both of its addresses, the outside, a forged source, and inbound
            Map<String, Callable<String>> closed = new LinkedHashMap<>();
            closed.put("tcp to the Pi's port 22", () -> tcp(HPC, "TCP:10.77.0.1:22"));
            closed.put("ping to the Pi", () -> ping("10.77.0.1"));
            closed.put("the operator's port on the HPC side", () -> tcp(HPC, "TCP:10.77.0.1:8080"));
            closed.put("the operator's port on the uplink side", () -> tcp(HPC, "TCP:192.0.2.1:8080"));
            closed.put("tcp to the outside", () -> tcp(HPC, "TCP:192.0.2.7:443"));
            closed.put("udp to the outside", () -> udp("UDP:192.0.2.7:53", "0.3"));
            closed.put("ping to the outside", () -> ping("192.0.2.7"));
            closed.put("ping to the outside over IPv6", () -> ping("-6", "2001:db8:2::7"));
            closed.put("tcp to the outside over IPv6", () -> tcp(HPC, "TCP6:[2001:db8:2::7]:443"));
            closed.put("tcp from a forged source", () -> tcp(HPC, "TCP:192.0.2.7:443", ",bind=10.99.0.5"));
            closed.put("tcp from the outside to the HPC", () -> tcp(OUT, "TCP:10.77.0.10:22"));
            assertThat(atOnce(closed)).allSatisfy((what, got) -> assertThat(got).as(what).isEmpty());

            JsonNode shown = counters();
            assertThat(packetsByCounter(shown)).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "pi_port", 2L, "operator_port", 2L, "egress", 5L, "spoofed", 1L, "forward", 1L));
            assertThat(attempts(shown)).containsExactly(
                    HPC_MAC + " 10.77.0.10 -> icmp 10.77.0.1:0 = 1",
                    HPC_MAC + " 10.77.0.10 -> icmp 192.0.2.7:0 = 1",
                    HPC_MAC + " 10.77.0.10 -> tcp 10.77.0.1:22 = 1",
                    HPC_MAC + " 10.77.0.10 -> tcp 10.77.0.1:8080 = 1",
                    HPC_MAC + " 10.77.0.10 -> tcp 192.0.2.1:8080 = 1",
                    HPC_MAC + " 10.77.0.10 -> tcp 192.0.2.7:443 = 1",
                    HPC_MAC + " 10.77.0.10 -> udp 192.0.2.7:53 = 1",
                    HPC_MAC + " 10.99.0.5 -> tcp 192.0.2.7:443 = 1",
                    HPC_MAC + " 2001:db8:77::10 -> ipv6-icmp 2001:db8:2::7:0 = 1",
                    HPC_MAC + " 2001:db8:77::10 -> tcp 2001:db8:2::7:443 = 1");

            List<NflogCapture.Logged> lines = log.awaitAndStop(11, Duration.ofSeconds(5));
            Map<String, Long> byPrefix = lines.stream().collect(Collectors.groupingBy(NflogCapture.Logged::prefix, TreeMap::new, Collectors.counting()));
            assertThat(byPrefix).containsExactlyInAnyOrderEntriesOf(Map.of("leo-gw-drop pi_port: ", 2L, "leo-gw-drop operator_port: ", 2L,
                    "leo-gw-drop egress: ", 5L, "leo-gw-drop spoofed: ", 1L, "leo-gw-drop forward: ", 1L));
            assertThat(lines).filteredOn(l -> l.prefix().contains("operator_port")).extracting(l -> Addresses.text(l.destination()))
                    .containsExactlyInAnyOrder("10.77.0.1", "192.0.2.1");
            assertThat(lines).filteredOn(l -> l.prefix().contains("forward")).extracting(l -> Addresses.text(l.source()) + ">" + Addresses.text(l.destination()))
                    .containsExactly("192.0.2.7>10.77.0.10");
        }
        assertBlockedAttemptsBecomeOneFinding();
    }

    /** The watch reads the same table: one network.egress.blocked finding about the HPC's MAC, logged; a second reading has no news. */
    private static void assertBlockedAttemptsBecomeOneFinding() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Policy policy = Policy.defaults();
        List<Verdict> verdicts = new CopyOnWriteArrayList<>();
        try (AttestationLog attestationLog = AttestationLog.open(dir.resolve("attest.db"), registry);
             EnrollmentStore store = EnrollmentStore.open(dir.resolve("enroll.db"));
             AttestationEngine engine = new AttestationEngine(policy, attestationLog, store,
                     new ActionDispatcher(policy, attestationLog, PowerControl.NONE, NetworkControl.NONE, TaskControl.NONE, Clock.systemUTC()),
                     Clock.systemUTC(), registry)) {
            engine.onVerdict(verdicts::add);
            EgressWatch watch = EgressWatch.manual(Nft.inNetns(PI.netns()), new GatewayFindings(engine));
            EgressWatch.Reading first = watch.poll();
            assertThat(first.blocked()).hasSize(1);
            assertThat(first.unattributed()).isZero();
            assertThat(first.blocked().get(0).packets()).isEqualTo(10);
            assertThat(watch.poll().blocked()).as("reported once").isEmpty();

            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            List<ChainedEntry> entries = List.of();
            while (System.nanoTime() < deadline && (verdicts.isEmpty()
                    || (entries = attestationLog.forHpc(HPC_MAC, 10)).stream().noneMatch(e -> e.entry().eventId().equals(GatewayFindings.ID)))) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // the finding is logged and acted on off this thread
            }
            assertThat(entries).extracting(e -> e.entry().eventId()).contains(GatewayFindings.ID);
            ChainedEntry finding = entries.stream().filter(e -> e.entry().eventId().equals(GatewayFindings.ID)).findFirst().orElseThrow();
            assertThat(finding.entry().severity()).isEqualTo("error");
            assertThat(finding.entry().message()).startsWith("HPC " + HPC_MAC + ": the Pi's gateway blocked 10 packets from 10.77.0.10, "
                    + "10.99.0.5, 2001:db8:77::10 to ");
            assertThat(verdicts).hasSize(1);
            Finding f = verdicts.get(0).findings().get(0);
            assertThat(f.eventId()).isEqualTo("network.egress.blocked");
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.component()).isEqualTo("gateway");
        }
    }

    /** An allowance opens one protocol to one address and port, for the HPC addresses it names, masqueraded with 'nat'. */
    @Test
    void aTaskAllowanceOpensExactlyOneDestination() throws Exception {
        apply("--gateway-allow", "tcp:192.0.2.7:443,nat tcp:192.0.2.7:444,from=10.77.0.11");
        assertThat(tcp(HPC, "TCP:192.0.2.7:443")).isEqualTo("out-443 " + PI_UPLINK_ADDRESS); // the Pi's uplink address: masqueraded
        Map<String, Callable<String>> closed = new LinkedHashMap<>();
        closed.put("another port of the allowed address, open to 10.77.0.11 only", () -> tcp(HPC, "TCP:192.0.2.7:444"));
        closed.put("the same port over IPv6", () -> tcp(HPC, "TCP6:[2001:db8:2::7]:443"));
        closed.put("udp to the allowed address", () -> udp("UDP:192.0.2.7:53", "0.3"));
        closed.put("ping to the allowed address", () -> ping("192.0.2.7"));
        closed.put("the allowance from a forged source", () -> tcp(HPC, "TCP:192.0.2.7:443", ",bind=10.99.0.5"));
        assertThat(atOnce(closed)).allSatisfy((what, got) -> assertThat(got).as(what).isEmpty());
        JsonNode shown = counters();
        assertThat(packetsByCounter(shown)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pi_port", 0L, "operator_port", 0L, "egress", 4L, "spoofed", 1L, "forward", 0L));
        assertThat(attempts(shown)).containsExactly(
                HPC_MAC + " 10.77.0.10 -> icmp 192.0.2.7:0 = 1",
                HPC_MAC + " 10.77.0.10 -> tcp 192.0.2.7:444 = 1",
                HPC_MAC + " 10.77.0.10 -> udp 192.0.2.7:53 = 1",
                HPC_MAC + " 10.99.0.5 -> tcp 192.0.2.7:443 = 1",
                HPC_MAC + " 2001:db8:77::10 -> tcp 2001:db8:2::7:443 = 1");
    }

    /** Applying twice gives the same ruleset, and what 'leo gateway apply' loads is what 'leo gateway rules' prints. */
    @Test
    void applyingTwiceChangesNothingAndApplyLoadsWhatRulesPrints() throws IOException {
        Nft nft = Nft.inNetns(PI.netns());
        apply("--gateway-allow", "tcp:192.0.2.7:443,nat");
        String once = nft.listRuleset();
        apply("--gateway-allow", "tcp:192.0.2.7:443,nat");
        assertThat(nft.listRuleset()).isEqualTo(once);
        Run rules = AttestCommandTest.leo("gateway", "rules", "--interface", PI.ifName(), "--address", "10.77.0.1", "--gateway-uplink", UPLINK, "--web-port", "8080",
                "--gateway-log-group", Integer.toString(LOG_GROUP), "--gateway-allow", "tcp:192.0.2.7:443,nat");
        assertThat(rules.status()).as(rules.err()).isZero();
        nft.load(rules.out());
        assertThat(nft.listRuleset()).isEqualTo(once).contains("table inet leo {", "policy drop;", "masquerade");
    }
}
