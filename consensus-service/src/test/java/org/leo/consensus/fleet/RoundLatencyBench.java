package org.leo.consensus.fleet;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.leo.attest.appraise.Policy;
import org.leo.attest.log.LogEntry;
import org.leo.attest.tpm.LogHeadQuoter;
import org.leo.consensus.ledger.AnvilProcess;
import org.leo.consensus.ledger.EvmLedger;
import org.leo.consensus.ledger.EvmLedgerConfig;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.SortitionConfig;

/**
 * The consensus round latency benchmark ({@code bench/round-latency.sh} writes its output into
 * docs/benchmarks.md): lab fleets ({@link LabFleet}: every node its own gRPC server with mutual TLS on
 * loopback, all in this JVM; one attestation server with a real agent over a crafted host and a swtpm as
 * the HPC's Pi's TPM) of each size, rounds of the one HPC one after another, each from the first
 * member's draw to its certificate on the ledger. The HPC's Pi closes each round as soon as every
 * selected member's verdict is in ({@link ConsensusNode#closeRound}). Then once more with a larger HPC
 * root file system, which the agent digests for every relayed challenge (the crafted host's is a few
 * files), and, if anvil is installed, with the ledger on anvil: automining, then a block a second.
 *
 * <p>System properties: {@code sizes} (7,31,100), {@code rounds} (20), {@code warmup} (3),
 * {@code rootfs.members} (31), {@code rootfs.mib} (80; 0 skips that run), {@code evm.size} (31),
 * {@code evm.rounds} (10), {@code evm.blockSeconds} (1; 0 skips the EVM runs).
 */
final class RoundLatencyBench {
    /** The HPC's own schedule and checks as shipped (a challenge every 30 s on average), without a TPM on the HPC. */
    static final Policy POLICY = Policy.of(Map.of("tpm.required", "false"));
    static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private RoundLatencyBench() {
    }

    /** One measured round: its committee, its certificate, its timeline (nanoTime) and the HPC's Pi's Fleet traffic. */
    record Round(int drawn, long votes, int verdicts, int certificateBytes, long gas, long start, long recorded, long verdictsIn,
                 List<RoundProbe.Relay> relays, Traffic traffic, long cpu) {
        long latency() {
            return recorded - start;
        }

        long toFirstChallenge() {
            return relays.get(0).admitted() - start;
        }

        long answering() {
            return relays.stream().mapToLong(RoundProbe.Relay::answered).max().orElseThrow() - relays.get(0).admitted();
        }

        long afterLastAnswer() {
            return verdictsIn - relays.stream().mapToLong(RoundProbe.Relay::answered).max().orElseThrow();
        }

        long recording() {
            return recorded - verdictsIn;
        }

        /** This JVM's CPU time during the round over its wall time: cores kept busy (swtpm and anvil not included). */
        double cores() {
            return (double) cpu / latency();
        }
    }

    /**
     * Messages and serialized bytes through a Pi's Fleet port ({@link FleetTraffic}); {@code challengeAnswers} and
     * {@code verdictAnswers}: the bytes of the Pi's answers to Challenge and Verdict.
     */
    record Traffic(double messages, double bytes, double challengeAnswers, double verdictAnswers) {
        static Traffic of(ConsensusNode n) {
            MeterRegistry r = n.refusals().registry();
            return new Traffic(sum(r.find(FleetTraffic.MESSAGES).counters()), sum(r.find(FleetTraffic.BYTES).counters()),
                    r.get(FleetTraffic.BYTES).tag("rpc", "Challenge").tag("direction", "out").counter().count(),
                    r.get(FleetTraffic.BYTES).tag("rpc", "Verdict").tag("direction", "out").counter().count());
        }

        private static double sum(java.util.Collection<Counter> cs) {
            return cs.stream().mapToDouble(Counter::count).sum();
        }

        Traffic minus(Traffic o) {
            return new Traffic(messages - o.messages, bytes - o.bytes, challengeAnswers - o.challengeAnswers, verdictAnswers - o.verdictAnswers);
        }
    }

    /**
     * Steps of a relayed challenge timed alone on the idle lab after its rounds (medians of {@code n}, ns): the two the
     * HPC's Pi runs on the agent stream's thread after the appraisal, a TPM quote over the log head (PCR 23 reset and
     * extended, the AK re-created, the quote made on swtpm and checked by {@code Tpm.quote} itself) and a durable
     * append to the attestation log; and a verifier's check of one relayed answer ({@link AnswerCheck}).
     */
    record Steps(long quote, long append, long check) {
        static Steps measure(LabFleet f, RoundProbe probe, int n) throws Exception {
            LogHeadQuoter quoter = new LogHeadQuoter(f.tpm, f.appliance.log);
            RoundProbe.Answered answered = probe.last().orElseThrow();
            var published = f.hpcPiNode().ledger().now().referenceValues(LabFleet.HPC);
            return new Steps(medianNanos(n, () -> quoter.quote(Lab.sha256("bench"))),
                    medianNanos(n, () -> f.appliance.log.appendDurably(new LogEntry(Instant.now(), LabFleet.HPC.toString(), LogEntry.Kind.TPM_QUOTE,
                            "info", "bench.probe", "round latency benchmark: a timed append", ""))),
                    medianNanos(n, () -> {
                        AnswerCheck.Appraisal a = AnswerCheck.of(answered.answer(), answered.nonce(), LabFleet.HPC, f.hpcPi(), published,
                                Policy.defaults(), Instant.now());
                        if (!a.problems().isEmpty()) {
                            throw new IllegalStateException("the last relayed answer no longer checks: " + a.problems());
                        }
                    }));
        }
    }

    /** Something timed. */
    @FunctionalInterface
    interface Timed {
        void run() throws Exception;
    }

    /** The median of {@code n} runs of {@code t}, ns. */
    static long medianNanos(int n, Timed t) throws Exception {
        long[] x = new long[n];
        for (int i = 0; i < n; i++) {
            long s = System.nanoTime();
            t.run();
            x[i] = System.nanoTime() - s;
        }
        Arrays.sort(x);
        return x[n / 2];
    }

    /** tau: the default expected committee, below the fleet's total credit. */
    static int tau(int size) {
        return (int) Math.min(SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE, size * FleetConfig.DEFAULT_STARTING_CREDIT - 1);
    }

    /**
     * One round of {@code f}: a round number at the current head whose draw reaches the TRUSTED threshold (the draw is
     * known from the members' keys before the round runs), every node takes part, the HPC's Pi closes it once every
     * selected member's verdict is in. Every check must pass and the certificate be TRUSTED, or the benchmark stops.
     */
    static Round round(LabFleet f, RoundProbe probe) throws Exception {
        long trusted = QuorumCertificate.threshold(Verdict.Outcome.TRUSTED, f.tau);
        RoundId id = f.roundWhere(v -> LabFleet.sum(v, 1, v.length) >= trusted);
        long[] votes = f.votes(id);
        probe.drain();
        Traffic before = Traffic.of(f.hpcPiNode());
        long cpu = CPU.getProcessCpuTime();
        long start = System.nanoTime();
        List<Participation> ps = f.run(id, f.nodes);
        long verdictsIn = System.nanoTime();
        Rounds.Closed closed = f.hpcPiNode().closeRound(id);
        long recorded = System.nanoTime();
        cpu = CPU.getProcessCpuTime() - cpu;
        Traffic traffic = Traffic.of(f.hpcPiNode()).minus(before);
        List<RoundProbe.Relay> relays = probe.drain();

        List<Participation> selected = ps.stream().filter(Participation::selected).toList();
        for (Participation p : selected) {
            AnswerCheck.Appraisal a = p.appraisal().orElseThrow();
            if (!a.problems().isEmpty() || a.outcome() != Verdict.Outcome.TRUSTED || !p.answer().orElseThrow().getCounted()) {
                throw new IllegalStateException(id + ": a member's part failed: " + a.summary() + " " + a.problems() + " " + p.answer());
            }
        }
        QuorumCertificate cert = closed.certificate().orElseThrow(() -> new IllegalStateException(id + ": no certificate"));
        if (cert.outcome() != Verdict.Outcome.TRUSTED || relays.size() != selected.size() || relays.stream().anyMatch(RoundProbe.Relay::failed)) {
            throw new IllegalStateException(id + ": " + cert.outcome() + ", " + relays.size() + " relays for " + selected.size() + " members");
        }
        long gas = f.ledger instanceof EvmLedger evm ? evm.lastAppendGasUsed() : 0;
        return new Round(selected.size(), LabFleet.sum(votes, 1, votes.length), cert.verdicts().size(),
                new LedgerRecord.CertificateRecorded(cert).body().length, gas, start, recorded, verdictsIn, relays, traffic, cpu);
    }

    /** {@code warmup} rounds, then {@code n} measured ones, each after a pause drawn from [0, {@code pause}) ms. */
    static List<Round> rounds(LabFleet f, RoundProbe probe, String label, int warmup, int n, int pause) throws Exception {
        List<Round> out = new ArrayList<>();
        for (int i = 0; i < warmup + n; i++) {
            if (pause > 0) {
                Thread.sleep(ThreadLocalRandom.current().nextInt(pause));
            }
            Round r = round(f, probe);
            System.err.printf("%s round %d%s: %d drawn, %.0f ms%n", label, i + 1, i < warmup ? " (warm-up)" : "", r.drawn(), ms(r.latency()));
            if (i >= warmup) {
                out.add(r);
            }
        }
        return out;
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** {@code mib} files of 1 MiB of random bytes in the HPC's root file system, which every relayed challenge digests. */
    static LabFleet.HostChange rootFiles(int mib) {
        return host -> {
            Path dir = Files.createDirectories(host.root().resolve("usr/lib/leo-bench"));
            byte[] b = new byte[1 << 20];
            for (int i = 0; i < mib; i++) {
                ThreadLocalRandom.current().nextBytes(b);
                Files.write(dir.resolve("blob-" + i), b);
            }
        };
    }

    static LabFleet fleet(Path dir, int size, RoundProbe probe, LabFleet.LedgerOpener ledger, LabFleet.HostChange host) throws Exception {
        long t = System.nanoTime();
        LabFleet f = new LabFleet(dir, size, tau(size), FleetConfig.DEFAULT_ROUND_DEADLINE,
                new LabFleet.Setup(POLICY, ledger, host, probe::evidence, probe::relay, false)); // measured without the round journal
        probe.watch(f.appliance.engine);
        System.err.printf("%d members up and admitted in %.1f s%n", size, ms(System.nanoTime() - t) / 1000);
        return f;
    }

    static void embedded(RoundReport report, Path dir, int size, String label, LabFleet.HostChange host, int warmup, int n) throws Exception {
        RoundProbe probe = new RoundProbe();
        try (LabFleet f = fleet(dir, size, probe, LabFleet::embedded, host)) {
            report.embedded(size, label, rounds(f, probe, label + " members", warmup, n, 0), Steps.measure(f, probe, 20));
        }
    }

    /** Exits 0 with the tables on stdout, or 1; exits either way, since gRPC's and web3j's shared pools are not ours to wait for. */
    public static void main(String[] args) {
        try {
            run();
        } catch (Throwable t) {
            t.printStackTrace();
            System.exit(1);
        }
        System.exit(0);
    }

    static void run() throws Exception {
        int rounds = Integer.getInteger("rounds", 20);
        int warmup = Integer.getInteger("warmup", 3);
        int[] sizes = Arrays.stream(System.getProperty("sizes", "7,31,100").split(",")).mapToInt(Integer::parseInt).toArray();
        int evmSize = Integer.getInteger("evm.size", 31);
        int evmRounds = Integer.getInteger("evm.rounds", 10);
        int blockSeconds = Integer.getInteger("evm.blockSeconds", 1);
        int rootMib = Integer.getInteger("rootfs.mib", 80);
        int rootSize = Integer.getInteger("rootfs.members", 31);
        Path tmp = Files.createTempDirectory("leo-round-latency");
        RoundReport report = new RoundReport(rounds, warmup);
        try {
            for (int size : sizes) {
                embedded(report, tmp.resolve("embedded-" + size), size, String.valueOf(size), h -> { }, warmup, rounds);
            }
            if (rootMib > 0) {
                embedded(report, tmp.resolve("rootfs"), rootSize, rootSize + ", HPC root file system +" + rootMib + " MiB", rootFiles(rootMib),
                        warmup, rounds);
            }
            if (blockSeconds > 0 && AnvilProcess.binary().isPresent()) {
                try (AnvilProcess anvil = AnvilProcess.start()) {
                    String key = AnvilProcess.DEV_KEYS.get(0);
                    EvmLedgerConfig c = new EvmLedgerConfig(anvil.rpc(), AnvilProcess.CHAIN_ID, key,
                            EvmLedger.deploy(anvil.rpc(), AnvilProcess.CHAIN_ID, key));
                    RoundProbe probe = new RoundProbe();
                    // Every node its own client of the one anvil, as every Pi reads the chain itself; only the HPC's Pi appends.
                    try (LabFleet f = fleet(tmp.resolve("evm"), evmSize, probe, (d, node, first) -> EvmLedger.open(c), h -> { })) {
                        report.evm(evmSize, "anvil, automine (a block per transaction)",
                                rounds(f, probe, "anvil automine", warmup, evmRounds, 0));
                        // What each member does at the start of a round: find the new head (FleetLedger.at), through its own client.
                        report.evmHeadRead(medianNanos(10, () -> new FleetLedger(f.readers.get(0)).at(f.ledger.headHash()).orElseThrow()),
                                f.ledger.head().orElseThrow().seq());
                        anvil.intervalMining(blockSeconds);
                        report.evm(evmSize, "anvil, a block every " + blockSeconds + " s (evm_setIntervalMining)",
                                rounds(f, probe, "anvil " + blockSeconds + " s blocks", 1, evmRounds, blockSeconds * 1000));
                    }
                }
            } else {
                System.err.println("EVM runs skipped: " + (blockSeconds > 0 ? "anvil is not installed" : "evm.blockSeconds=0"));
            }
            System.out.print(report.markdown(blockSeconds));
        } finally {
            try (Stream<Path> all = Files.walk(tmp)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
