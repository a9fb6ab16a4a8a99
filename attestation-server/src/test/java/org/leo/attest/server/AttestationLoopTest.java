package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.AgentState;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Severity;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.log.ChainedEntry;
import org.leo.attest.log.LogEntry;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.attest.v1.Device;
import org.leo.protocol.attest.v1.Socket;

/**
 * The whole attestation loop over real mutual TLS on loopback: the real agent enrolls against a
 * boot recorded in the real boot event log, the server takes the baseline, then challenges at
 * random times; changes to the HPC's state are found by the next challenge that covers them.
 */
class AttestationLoopTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;
    TestAppliance appliance;
    Agent agent;
    Thread agentThread;
    final List<AgentState> states = new CopyOnWriteArrayList<>();

    static Policy fastPolicy() {
        return TestAppliance.fastPolicy();
    }

    void start(Duration lifetime) throws Exception {
        appliance = new TestAppliance(tmp, fastPolicy(), lifetime);
    }

    SimulatedHost startAgent(String cmdline) {
        SimulatedHost host = new SimulatedHost(cmdline);
        agent = new Agent(appliance.agentConfig(MAC, cmdline), host, Map.of());
        agent.onState(states::add);
        agentThread = new Thread(agent, "agent");
        agentThread.start();
        return host;
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
            agentThread.join(TimeUnit.SECONDS.toMillis(10));
        }
        if (appliance != null) {
            appliance.close();
        }
    }

    Verdict cleanRandomVerdict() throws InterruptedException {
        return appliance.awaitVerdict(v -> v.clean() && v.challengeId() > 0 && appliance.verdicts.indexOf(v) >= 2, 20);
    }

    @Test
    void enrollsTakesABaselineAndIsChallengedAgainAndAgain() throws Exception {
        start(Duration.ofHours(1));
        String nonce = appliance.boot(MAC);
        startAgent(TestAppliance.cmdline(nonce));
        cleanRandomVerdict();
        appliance.awaitVerdict(v -> appliance.verdicts.stream().filter(Verdict::clean).count() >= 5, 20);
        HpcStatus st = appliance.engine.status(MAC.toString()).orElseThrow();
        assertThat(st.connected()).isTrue();
        assertThat(st.baselined()).isTrue();
        assertThat(st.findings()).isZero();
        List<String> ids = appliance.log.forHpc(MAC.toString(), 1000).stream().map(e -> e.entry().eventId()).toList();
        assertThat(ids).startsWith("enroll.accepted");
        assertThat(ids).contains("baseline.taken", "verdict.clean");
        assertThat(appliance.log.verify().intact()).isTrue();
        assertThat(states).anyMatch(s -> s instanceof AgentState.Attesting);
    }

    @Test
    void tamperingIsFoundByTheNextChallengeThatCoversIt() throws Exception {
        start(Duration.ofHours(1));
        SimulatedHost host = startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();

        host.processes.add(SimulatedHost.process(4242, "nc", "/usr/bin/nc", "ee"));
        Finding f = findingOf(appliance.awaitVerdict(TestAppliance.finding("os.process.new"), 20), "os.process.new");
        assertThat(f.sentence()).isEqualTo("HPC 52:54:00:77:00:10: a new process is running: pid 4242 'nc' (/usr/bin/nc, sha256 "
                + "eeeeeeeeeeeeeeee..), command line '/usr/bin/nc'");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);

        host.devices.add(Device.newBuilder().setBus("usb").setId("1-1").setDescription("0781:5567 SanDisk Cruzer").build());
        f = findingOf(appliance.awaitVerdict(TestAppliance.finding("hardware.usb.added"), 20), "hardware.usb.added");
        assertThat(f.sentence()).isEqualTo("HPC 52:54:00:77:00:10: USB device 1-1 (0781:5567 SanDisk Cruzer) appeared");
        assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
        // critical -> power-cycle, by the policy of this test
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (appliance.powerCycles.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(appliance.powerCycles).contains(MAC.toString());

        host.sockets.add(Socket.newBuilder().setProtocol("tcp").setLocal("0.0.0.0:4444").setState("LISTEN").build());
        f = findingOf(appliance.awaitVerdict(TestAppliance.finding("network.listen.new"), 20), "network.listen.new");
        assertThat(f.sentence()).endsWith("a new tcp socket listens on 0.0.0.0:4444");

        host.sockets.add(Socket.newBuilder().setProtocol("tcp").setLocal("10.77.0.10:50000").setRemote("203.0.113.9:443")
                .setState("ESTABLISHED").build());
        f = findingOf(appliance.awaitVerdict(TestAppliance.finding("network.connection.new"), 20), "network.connection.new");
        assertThat(f.sentence()).contains("to 203.0.113.9:443 (ESTABLISHED)");

        host.cmdline = host.cmdline + " init=/bin/sh";
        f = findingOf(appliance.awaitVerdict(TestAppliance.finding("os.cmdline.changed"), 20), "os.cmdline.changed");
        assertThat(f.got()).endsWith("init=/bin/sh");

        List<String> logged = appliance.log.forHpc(MAC.toString(), 10_000).stream().map(ChainedEntry::entry)
                .map(e -> e.eventId()).toList();
        assertThat(logged).contains("os.process.new", "hardware.usb.added", "action.power-cycle", "network.listen.new");
        assertThat(appliance.log.verify().intact()).isTrue();
    }

    /** A clean verdict after a finding does not lower the boot's worst severity (what the dashboard's stage reads). */
    @Test
    void aCleanVerdictAfterAFindingLeavesTheBootsWorstSeverity() throws Exception {
        start(Duration.ofHours(1));
        SimulatedHost host = startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        var nc = SimulatedHost.process(4242, "nc", "/usr/bin/nc", "ee");
        host.processes.add(nc);
        Verdict found = appliance.awaitVerdict(TestAppliance.finding("os.process.new"), 20);
        host.processes.remove(nc);
        appliance.awaitVerdict(v -> v.clean() && appliance.verdicts.indexOf(v) > appliance.verdicts.indexOf(found), 20);
        assertThat(appliance.engine.status(MAC.toString()).orElseThrow().worst()).isEqualTo(Severity.ERROR);
    }

    @Test
    void aReloadedPolicyJudgesTheNextChallengesAndWhatNeedsARestartIsRefused() throws Exception {
        start(Duration.ofHours(1));
        SimulatedHost host = startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        Map<String, String> keys = new java.util.HashMap<>(fastPolicy().effective());

        // a disk target changes what the boot's golden baseline covers: refused, and the policy in force stays
        Map<String, String> withDisk = new java.util.HashMap<>(keys);
        withDisk.put("disk.root.path", "/dev/vda");
        assertThatThrownBy(() -> appliance.engine.reload(Policy.of(withDisk))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("disk.root.path").hasMessageContaining("restart");
        assertThat(appliance.engine.policy().disks()).isEmpty();

        // the same policy again changes nothing and records nothing
        assertThat(appliance.engine.reload(fastPolicy())).isEmpty();

        // a new process is an error by the policy at start; after the reload it is critical, and critical power-cycles
        keys.put("severity.os.process.new", "critical");
        assertThat(appliance.engine.reload(Policy.of(keys))).containsExactly("severity.os.process.new");
        host.processes.add(SimulatedHost.process(4242, "nc", "/usr/bin/nc", "ee"));
        Finding f = findingOf(appliance.awaitVerdict(TestAppliance.finding("os.process.new"), 20), "os.process.new");
        assertThat(f.severity()).isEqualTo(Severity.CRITICAL);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (appliance.powerCycles.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(appliance.powerCycles).contains(MAC.toString());

        List<LogEntry> reloads = appliance.log.forHpc("appliance", 100).stream().map(ChainedEntry::entry)
                .filter(e -> e.kind() == LogEntry.Kind.POLICY).toList();
        assertThat(reloads).singleElement().satisfies(e -> {
            assertThat(e.eventId()).isEqualTo("policy.reloaded");
            assertThat(e.detail()).isEqualTo("severity.os.process.new=critical");
        });
        assertThat(appliance.log.verify().intact()).isTrue();
    }

    @Test
    void aRotatedKeyIsRevokedItsStreamEndsAndOnlyANewBootIsAttestedAgain() throws Exception {
        start(Duration.ofHours(1));
        startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        java.security.cert.X509Certificate old = appliance.engine.certificate(MAC.toString()).orElseThrow();

        List<String> revoked = new KeyRotation(appliance.store, appliance.revocations, appliance.log, appliance.engine, java.time.Clock.systemUTC())
                .rotate(MAC.toString(), "operator olga");
        assertThat(revoked).containsExactly(old.getSerialNumber().toString(16));
        assertThat(appliance.revocations.lookup(old.getSerialNumber())).get().satisfies(r -> assertThat(r.reason()).isEqualTo("key rotated by operator olga"));
        assertThat(appliance.engine.status(MAC.toString())).isEmpty();

        // the agent of that boot (or whoever copied its key) cannot come back: its stream is refused at the handshake
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (appliance.server.recentRefusals().stream().noneMatch(r -> r.why().contains("was revoked")) && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(appliance.server.recentRefusals()).anySatisfy(r -> assertThat(r.why())
                .contains("client certificate").contains("was revoked at").contains("key rotated by operator olga"));
        agent.close();
        agentThread.join(5000);

        // a new boot enrolls with a new key and is attested again
        startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        appliance.awaitVerdict(v -> v.clean() && v.challengeId() > 0 && appliance.engine.certificate(MAC.toString())
                .filter(c -> !c.getPublicKey().equals(old.getPublicKey())).isPresent(), 30);
        assertThat(appliance.log.forHpc(MAC.toString(), 10_000).stream().map(e -> e.entry().eventId()))
                .contains("action.rotate-key").doesNotContain("stream.dropped", "agent.silent");
        assertThat(appliance.log.verify().intact()).isTrue();
    }

    static Finding findingOf(Verdict v, String id) {
        return v.findings().stream().filter(x -> x.eventId().equals(id)).findFirst().orElseThrow();
    }

    @Test
    void anAgentThatStopsAnsweringIsAFindingByTheDeadline() throws Exception {
        start(Duration.ofHours(1));
        SimulatedHost host = startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        host.silent = true;
        Finding f = findingOf(appliance.awaitVerdict(TestAppliance.finding("challenge.missed"), 10), "challenge.missed");
        assertThat(f.sentence()).contains("no answer to challenge").contains("by its deadline");
    }

    @Test
    void aDroppedStreamIsAFindingAfterTheGracePeriod() throws Exception {
        start(Duration.ofHours(1));
        startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        agent.close(); // the agent goes away and does not come back
        agentThread.join(5000);
        Finding f = findingOf(appliance.awaitVerdict(TestAppliance.finding("stream.dropped"), 10), "stream.dropped");
        assertThat(f.sentence()).contains("was not re-opened within 3 s");
        assertThat(appliance.engine.status(MAC.toString()).orElseThrow().connected()).isFalse();
    }

    @Test
    void aBootEnrollsOnceAndAWrongNonceIsRefused() throws Exception {
        start(Duration.ofHours(1));
        String nonce = appliance.boot(MAC);
        startAgent(TestAppliance.cmdline("ab".repeat(32)));
        agentThread.join(TimeUnit.SECONDS.toMillis(30));
        AgentState last = states.get(states.size() - 1);
        assertThat(last).isInstanceOf(AgentState.Failed.class);
        assertThat(((AgentState.Failed) last).reason()).contains("PERMISSION_DENIED")
                .contains("the kernel command line carries boot nonce abababababababab.., but the latest boot of 52:54:00:77:00:10"
                        + " on record has nonce " + nonce.substring(0, 16));

        states.clear();
        startAgent(TestAppliance.cmdline(nonce));
        cleanRandomVerdict();
        agent.close();
        agentThread.join(5000);
        states.clear();
        startAgent(TestAppliance.cmdline(nonce)); // the same boot again: e.g. a restarted or second agent
        agentThread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(((AgentState.Failed) states.get(states.size() - 1)).reason()).contains("ALREADY_EXISTS")
                .contains("has enrolled already; a boot enrolls once");
        assertThat(appliance.log.forHpc(MAC.toString(), 1000).stream().map(e -> e.entry().eventId()))
                .contains("enroll.refused", "enroll.accepted");
    }

    @Test
    void certificatesAreRenewedBeforeExpiryAndAttestationGoesOn() throws Exception {
        start(Duration.ofSeconds(4)); // renewal at 2/3 of the lifetime, plus the 1 min backdating
        startAgent(TestAppliance.cmdline(appliance.boot(MAC)));
        cleanRandomVerdict();
        appliance.awaitVerdict(v -> appliance.log.forHpc(MAC.toString(), 10_000).stream()
                .anyMatch(e -> e.entry().eventId().equals("enroll.renewed")), 90);
        int before = appliance.verdicts.size();
        appliance.awaitVerdict(v -> v.clean() && appliance.verdicts.indexOf(v) > before + 2, 20);
        assertThat(appliance.verdicts.stream().filter(v -> !v.clean()).map(Verdict::sentence).toList()).isEmpty();
    }
}
