package org.leo.consensus.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.leo.consensus.fleet.RoundLatencyBench.Round;

/** The tables of {@link RoundLatencyBench}: medians, 90th percentiles (nearest rank) and maxima over the measured rounds. */
final class RoundReport {
    /** The goal of the issue: a 31-member round under 1 s on loopback with the embedded ledger. */
    static final int GOAL_MEMBERS = 31;
    static final double GOAL_MS = 1000;

    /** {@code label}: the fleet size, and what else differs, or the ledger of an EVM run. */
    private record Run(int size, String label, List<Round> rounds, RoundLatencyBench.Steps steps) { }

    private final int rounds;
    private final int warmup;
    private final List<Run> embedded = new ArrayList<>();
    private final List<Run> evm = new ArrayList<>();
    private String evmHeadRead = "";

    RoundReport(int rounds, int warmup) {
        this.rounds = rounds;
        this.warmup = warmup;
    }

    void embedded(int size, String label, List<Round> rs, RoundLatencyBench.Steps steps) {
        embedded.add(new Run(size, label, rs, steps));
    }

    void evm(int size, String ledger, List<Round> rs) {
        evm.add(new Run(size, ledger, rs, null));
    }

    void evmHeadRead(long nanos, long entries) {
        evmHeadRead = String.format("%nA member's look-up of a new head alone (FleetLedger.at over its own EvmLedger client, which reads the"
                + " ledger from its first entry; %d entries on the ledger then): %.0f ms (median of 10).%n", entries, nanos / 1e6);
    }

    static double percentile(List<Round> rs, ToDoubleFunction<Round> f, double p) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v[(int) Math.max(0, Math.ceil(p * v.length) - 1)];
    }

    static double median(List<Round> rs, ToDoubleFunction<Round> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static double max(List<Round> rs, ToDoubleFunction<Round> f) {
        return rs.stream().mapToDouble(f).max().orElseThrow();
    }

    private static String latency(List<Round> rs) {
        ToDoubleFunction<Round> l = r -> RoundLatencyBench.ms(r.latency());
        return String.format("%.0f | %.0f | %.0f", median(rs, l), percentile(rs, l, 0.9), max(rs, l));
    }

    private static String ms(List<Round> rs, ToDoubleFunction<Round> nanos) {
        return String.format("%.0f", median(rs, r -> nanos.applyAsDouble(r) / 1e6));
    }

    String markdown(int blockSeconds) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("%d measured rounds per fleet after %d warm-up rounds; latency in ms, from the moment every member starts its"
                + " draw to the certificate appended to the ledger.%n%n", rounds, warmup));
        out.append("| members | tau | members drawn (median, min-max) | votes (median) | latency median | p90 | max | Fleet messages per round"
                + " | Fleet bytes per round (median) | of which Challenge answers | of which Verdict answers | certificate (verdicts, bytes) |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : embedded) {
            List<Round> rs = run.rounds();
            out.append(String.format("| %s | %d | %.0f (%.0f-%.0f) | %.0f | %s | %.0f | %,.0f | %,.0f | %,.0f | %.0f, %,.0f |%n", run.label(),
                    RoundLatencyBench.tau(run.size()), median(rs, Round::drawn), -max(rs, r -> -r.drawn()), max(rs, Round::drawn),
                    median(rs, Round::votes), latency(rs), median(rs, r -> r.traffic().messages()), median(rs, r -> r.traffic().bytes()),
                    median(rs, r -> r.traffic().challengeAnswers()), median(rs, r -> r.traffic().verdictAnswers()), median(rs, Round::verdicts),
                    median(rs, Round::certificateBytes)));
        }
        out.append("\nWhere the time goes (medians over the rounds, ms; the four phases add up to the latency):\n\n");
        out.append("| members | draw -> first challenge at the HPC's Pi | first challenge -> last answer ready | the same per challenge"
                + " | last answer -> every verdict counted | certificate appended | agent's evidence collection per challenge"
                + " | HPC's Pi after the appraisal, per challenge | a TPM quote alone | a durable log append alone | a verifier's check of"
                + " an answer alone | JVM CPU, cores busy | JVM CPU per selected member |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run run : embedded) {
            List<Round> rs = run.rounds();
            out.append(String.format("| %s | %s | %s | %.1f | %s | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f |%n", run.label(),
                    ms(rs, Round::toFirstChallenge),
                    ms(rs, Round::answering), median(rs, r -> r.answering() / 1e6 / Math.max(1, r.drawn() - 1)), ms(rs, Round::afterLastAnswer),
                    ms(rs, Round::recording), medianOfRelays(rs, RoundProbe.Relay::collect), medianOfRelays(rs, RoundProbe.Relay::quoting),
                    run.steps().quote() / 1e6, run.steps().append() / 1e6, run.steps().check() / 1e6, median(rs, Round::cores),
                    median(rs, r -> r.cpu() / 1e6 / r.drawn())));
        }
        if (!evm.isEmpty()) {
            out.append("\nThe same rounds with the certificate appended to the EVM ledger on anvil (ms):\n\n");
            out.append("| ledger | members | latency median | p90 | max | draw -> first challenge at the HPC's Pi (median) | first challenge"
                    + " -> every verdict counted (median) | certificate appended (median, max) | gas per certificate (median) | verdicts (median) |\n");
            out.append("|---|---|---|---|---|---|---|---|---|---|\n");
            for (Run run : evm) {
                List<Round> rs = run.rounds();
                out.append(String.format("| %s | %d | %s | %s | %s | %s, %.0f | %,.0f | %.0f |%n", run.label(), run.size(), latency(rs),
                        ms(rs, Round::toFirstChallenge), ms(rs, r -> r.verdictsIn() - r.relays().get(0).admitted()), ms(rs, Round::recording),
                        max(rs, r -> r.recording() / 1e6), median(rs, Round::gas), median(rs, Round::verdicts)));
            }
            out.append(evmHeadRead);
        }
        out.append('\n').append(goal(blockSeconds));
        return out.toString();
    }

    private static double medianOfRelays(List<Round> rs, ToDoubleFunction<RoundProbe.Relay> nanos) {
        double[] v = rs.stream().flatMap(r -> r.relays().stream()).mapToDouble(x -> nanos.applyAsDouble(x) / 1e6).sorted().toArray();
        return v[v.length / 2];
    }

    private String goal(int blockSeconds) {
        StringBuilder out = new StringBuilder();
        embedded.stream().filter(r -> r.label().equals(String.valueOf(GOAL_MEMBERS))).findFirst().ifPresent(run -> {
            double m = median(run.rounds(), r -> RoundLatencyBench.ms(r.latency()));
            out.append(String.format("**Goal, a %d-member round under 1 s on loopback with the embedded ledger: median %.0f ms, %s.**",
                    GOAL_MEMBERS, m, m < GOAL_MS ? "met" : "NOT met"));
        });
        evm.stream().filter(r -> r.label().contains("every")).findFirst().ifPresent(run -> {
            double m = median(run.rounds(), r -> RoundLatencyBench.ms(r.latency()));
            double p90 = percentile(run.rounds(), r -> RoundLatencyBench.ms(r.latency()), 0.9);
            out.append(String.format(" **Within two block times (%d s) on anvil with a block every %d s: median %.0f ms, p90 %.0f ms, %s.**",
                    2 * blockSeconds, blockSeconds, m, p90, m < 2000.0 * blockSeconds ? "met" : "NOT met"));
        });
        return out.append('\n').toString();
    }
}
