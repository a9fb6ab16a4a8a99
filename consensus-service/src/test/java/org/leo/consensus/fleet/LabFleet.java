package org.leo.consensus.fleet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.leo.agent.Agent;
import org.leo.agent.EvidenceSource;
import org.leo.agent.HostEvidence;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.measured.BootExpectation;
import org.leo.attest.server.AttestationEngine;
import org.leo.attest.server.TestAppliance;
import org.leo.attest.tpm.EvidenceRelay;
import org.leo.attest.tpm.LogHeadQuoter;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.quorum.RoundId;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;

/**
 * A lab fleet on loopback, for real: an attestation server (TestAppliance) with a real agent reading a
 * crafted host tree (CraftedHost, the agent's own collectors), a swtpm as the HPC's Pi's TPM, and
 * {@code size} consensus nodes over real gRPC with mutual TLS, sharing one embedded ledger. Node 0 is
 * the HPC's Pi (its RelayPort over EvidenceRelay); it admits itself and every other node joins
 * through it with a quote of the same swtpm (one TPM for the lab: the peer list pins it for all), and
 * publishes its HPC's reference values (its golden, the test manifest, no measured boot) as the
 * appliance does ({@link ReferencePublisher}).
 * A {@link Setup} changes what a benchmark needs: the HPC's policy, the ledger, the host, and a look
 * at the agent's evidence collection and the HPC's Pi's relay.
 */
final class LabFleet implements AutoCloseable {
    static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");
    static final Duration WAIT = Duration.ofSeconds(60);

    /**
     * Opens node {@code node}'s ledger in the lab's directory. Node 0's, opened first ({@code first} null), is the
     * lab's {@link #ledger}; the other nodes may share it (return {@code first}) or read the same ledger through
     * their own client, which the lab closes.
     */
    @FunctionalInterface
    interface LedgerOpener {
        Ledger open(Path dir, int node, Ledger first) throws Exception;
    }

    /** Adds to the crafted host before the agent starts (its baseline then includes it). */
    @FunctionalInterface
    interface HostChange {
        void apply(HostPaths host) throws Exception;
    }

    /**
     * What the lab is made of: the HPC's attestation policy, the nodes' ledger, a change to the crafted host,
     * wrappers around the agent's evidence source and the HPC's Pi's relay port (identity for the tests; timing for
     * a benchmark), whether the HPC's Pi journals its rounds (in the lab's {@code rounds.db}), and the answers and
     * appraisals the HPC's Pi's relay reports (a Pi that lies about its appraisal).
     */
    record Setup(Policy policy, LedgerOpener ledger, HostChange host, UnaryOperator<EvidenceSource> evidence, UnaryOperator<RelayPort> relay,
                 boolean roundJournal, UnaryOperator<EvidenceRelay.Source> piAnswers) {
        /** The tests': TestAppliance's fast policy, an embedded ledger, the crafted host as it is, nothing wrapped, rounds journaled. */
        static final Setup TESTS = new Setup(TestAppliance.fastPolicy(), LabFleet::embedded, h -> { }, UnaryOperator.identity(),
                UnaryOperator.identity(), true, UnaryOperator.identity());

        Setup(Policy policy, LedgerOpener ledger, HostChange host, UnaryOperator<EvidenceSource> evidence, UnaryOperator<RelayPort> relay,
              boolean roundJournal) {
            this(policy, ledger, host, evidence, relay, roundJournal, UnaryOperator.identity());
        }

        /** The tests' lab whose HPC's Pi reports what {@code answers} makes of its engine's relayed answers. */
        static Setup piAnswering(UnaryOperator<EvidenceRelay.Source> answers) {
            return new Setup(TESTS.policy(), TESTS.ledger(), TESTS.host(), TESTS.evidence(), TESTS.relay(), true, answers);
        }
    }

    final int tau;
    SwtpmProcess swtpm;
    Tpm tpm;
    TestAppliance appliance;
    HostPaths host;
    Agent agent;
    Thread agentThread;
    Ledger ledger;
    /** The HPC's Pi's publisher of its HPC's reference values, as the appliance wires it. */
    ReferencePublisher references;
    /** The other nodes' own ledger clients, if they have them. */
    final List<Ledger> readers = new ArrayList<>();
    final List<ConsensusNode> nodes = new ArrayList<>();
    PeerList peers;

    LabFleet(Path tmp, int size, int tau, Duration roundDeadline) throws Exception {
        this(tmp, size, tau, roundDeadline, Setup.TESTS);
    }

    LabFleet(Path tmp, int size, int tau, Duration roundDeadline, Setup setup) throws Exception {
        this.tau = tau;
        try {
            start(tmp, size, roundDeadline, setup);
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void start(Path tmp, int size, Duration roundDeadline, Setup setup) throws Exception {
        swtpm = SwtpmProcess.start();
        tpm = Tpm.open(swtpm.endpoint());
        appliance = new TestAppliance(tmp.resolve("pi"), setup.policy(), Duration.ofHours(1));
        host = CraftedHost.copyTo(tmp.resolve("hpc"));
        setup.host().apply(host);
        String cmdline = TestAppliance.cmdline(appliance.boot(HPC));
        Files.writeString(host.proc().resolve("cmdline"), cmdline + "\n");
        CompletableFuture<Verdict> baseline = verdict(v -> v.clean() && v.challengeId() > 0);
        agent = new Agent(appliance.agentConfig(HPC, cmdline), setup.evidence().apply(new HostEvidence(host, Map.of(), Optional.empty(), 1)),
                Map.of());
        agentThread = new Thread(agent, "agent");
        agentThread.start();
        baseline.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        ledger = setup.ledger().open(tmp, 0, null);
        FleetConfig config = Lab.config(tau).withRoundDeadline(roundDeadline);
        EvidenceRelay relay = new EvidenceRelay(setup.piAnswers().apply(appliance.engine::relay), appliance.log,
                new LogHeadQuoter(tpm, appliance.log), Clock.systemUTC());
        RelayPort port = setup.relay().apply(new EvidenceRelayPort(relay, appliance.log, appliance.ca.certificate(), Set.of(HPC)));
        nodes.add(setup.roundJournal() ? Lab.node(config, Lab.keys(0), ledger, port, tmp.resolve("rounds.db"))
                : Lab.node(config, Lab.keys(0), ledger, Optional.of(port)));
        // as FleetAppliance does: the HPC's Pi publishes its HPC's reference values (the baseline is taken already)
        references = ReferencePublisher.start(nodes.get(0).ledger(), ReferencePublisher.Sources.of(appliance.engine, appliance.manifest,
                BootExpectation.NONE, Set.of(HPC)));
        references.publishDue();
        if (nodes.get(0).ledger().now().referenceValues(HPC).isEmpty()) {
            throw new IllegalStateException("the HPC's reference values were not published");
        }
        for (int i = 1; i < size; i++) {
            Ledger own = setup.ledger().open(tmp, i, ledger);
            if (own != ledger) {
                readers.add(own);
            }
            nodes.add(Lab.node(config, Lab.keys(i), own, Optional.empty()));
        }
        byte[] ak = HexFormat.of().parseHex(tpm.attestationKey().fingerprint());
        List<PeerList.Peer> list = new ArrayList<>();
        list.add(Lab.peer(nodes.get(0), ak, Optional.of(HexFormat.of().parseHex(appliance.ca.fingerprint())), List.of(HPC)));
        nodes.subList(1, size).forEach(n -> list.add(Lab.peer(n, ak, Optional.empty(), List.of())));
        peers = PeerList.of(list);
        nodes.forEach(n -> n.usePeers(peers));
        if (nodes.get(0).admitSelf(tpm).admitted().isEmpty()) {
            throw new IllegalStateException("the founder was not admitted");
        }
        for (ConsensusNode n : nodes.subList(1, size)) {
            JoinResponse r = n.join(hpcPi(), tpm);
            if (!r.hasAdmitted()) {
                throw new IllegalStateException("node " + n.keys().memberHex() + " was not admitted: " + r);
            }
        }
    }

    /**
     * An HPC's Pi that reports {@code findings} as its appraisal of every relayed answer, whatever its engine found: a Pi
     * owner who runs a modified appraiser. Its log entry and quote are real, so every check of the relay passes.
     */
    static UnaryOperator<EvidenceRelay.Source> reporting(List<Finding> findings) {
        return engine -> (hpc, nonce) -> engine.relay(hpc, nonce).thenApply(r -> new AttestationEngine.Relayed(r.challenge(), r.evidence(),
                r.agentCertificate(), new Verdict(hpc, r.verdict().challengeId(), findings), r.golden()));
    }

    /**
     * Power-cycles the HPC as its Pi does after a task: the agent stops (its in-RAM key with it), the HPC boots the same
     * image again (a new boot nonce), a new agent enrolls with a new key and takes its baseline, and the Pi publishes the
     * new golden as the HPC's reference values; returns that ledger entry.
     */
    org.leo.consensus.ledger.LedgerEntry powerCycle() throws Exception {
        byte[] before = nodes.get(0).ledger().now().referenceValues(HPC).orElseThrow().goldenSha256();
        agent.close();
        agentThread.join(10_000);
        String cmdline = TestAppliance.cmdline(appliance.boot(HPC));
        Files.writeString(host.proc().resolve("cmdline"), cmdline + "\n");
        CompletableFuture<Verdict> baseline = verdict(v -> v.clean() && v.challengeId() > 0);
        agent = new Agent(appliance.agentConfig(HPC, cmdline), new HostEvidence(host, Map.of(), Optional.empty(), 1), Map.of());
        agentThread = new Thread(agent, "agent");
        agentThread.start();
        baseline.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        long until = System.nanoTime() + WAIT.toNanos();
        while (java.util.Arrays.equals(nodes.get(0).ledger().now().referenceValues(HPC).orElseThrow().goldenSha256(), before)) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("the new boot's reference values were not published within " + WAIT);
            }
            references.publishDue();
            Thread.sleep(10);
        }
        return ledger.entries(1, 100_000).stream().filter(e -> e.record() instanceof org.leo.consensus.ledger.LedgerRecord.ReferenceValues)
                .reduce((a, b) -> b).orElseThrow();
    }

    /** One embedded ledger for every node: the tests'. */
    static Ledger embedded(Path dir, int node, Ledger first) throws Exception {
        return first != null ? first : EmbeddedLedger.open(dir.resolve("ledger.db"));
    }

    /** Completes with the first verdict of the HPC's own attestation server that matches (no polling). */
    CompletableFuture<Verdict> verdict(Predicate<Verdict> p) {
        CompletableFuture<Verdict> f = new CompletableFuture<>();
        appliance.engine.onVerdict(v -> {
            if (p.test(v)) {
                f.complete(v);
            }
        });
        return f;
    }

    PeerList.Peer hpcPi() {
        return peers.member(nodes.get(0).keys().member()).orElseThrow();
    }

    ConsensusNode hpcPiNode() {
        return nodes.get(0);
    }

    /** Every node's votes in {@code round}, from the keys this lab knows (node 0, the HPC's Pi, abstains: 0). */
    long[] votes(RoundId round) {
        FleetLedger.Snapshot at = nodes.get(0).ledger().at(round.ledgerHead()).orElseThrow();
        long[] v = new long[nodes.size()];
        for (int i = 1; i < v.length; i++) {
            v[i] = Lab.draw(nodes.get(i).keys(), at, round, tau).votes();
        }
        return v;
    }

    /**
     * The first round number after the last one this lab chose, at the current head, whose draw passes {@code p}: the
     * committee is known before the round runs. Round numbers only go up, as the fleet's schedule's do: an HPC's round
     * has one certificate whatever head it is drawn at.
     */
    RoundId roundWhere(Predicate<long[]> p) {
        for (long r = lastRound + 1; r < lastRound + 10_000; r++) {
            RoundId id = nodes.get(0).roundAtHead(HPC, r);
            if (p.test(votes(id))) {
                lastRound = r;
                return id;
            }
        }
        throw new IllegalStateException("no round of 10000 after " + lastRound + " has such a draw");
    }

    private long lastRound;

    /** Every node takes part in {@code round}; waits (bounded) for all of them. */
    List<Participation> run(RoundId round, List<ConsensusNode> who) throws Exception {
        List<CompletableFuture<Participation>> all = who.stream().map(n -> n.takePart(round)).toList();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        return all.stream().map(CompletableFuture::join).toList();
    }

    static long sum(long[] v, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s;
    }

    @Override
    public void close() throws Exception {
        if (references != null) {
            references.close();
        }
        for (ConsensusNode n : nodes) {
            n.close();
        }
        if (agent != null) {
            agent.close();
            agentThread.join(10_000);
        }
        readers.forEach(Ledger::close);
        for (AutoCloseable c : new AutoCloseable[] {ledger, appliance, tpm, swtpm}) {
            if (c != null) {
                c.close();
            }
        }
    }
}
