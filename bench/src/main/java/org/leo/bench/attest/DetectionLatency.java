package org.leo.bench.attest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.leo.attest.appraise.Policy;

/**
 * Detection latency: the time from tampering with the HPC to the finding that reports it, for each
 * kind of tampering, against the mean challenge interval. One real appliance and one real agent
 * ({@link LatencyRig}) per policy; each case is repeated {@code RUNS} times, each time tampering at
 * a random moment, waiting (bounded) for the finding, then undoing it (or, for a silent agent,
 * booting the HPC afresh: the power cycle the policy asks for is only recorded).
 *
 * <p>{@code WORK_DIR}; system properties {@code runs} (10), {@code mean} (2 s), {@code min} (0.2),
 * {@code max} (10), {@code disk.mib} (64), {@code chunk.kib} (1024), {@code spot} (4),
 * {@code deadline} (1), {@code silence} (1), {@code profiles} ("default,every-challenge"). Prints a
 * Markdown section on stdout; progress on stderr.
 */
public final class DetectionLatency {
    /** The cases of the catalogue. */
    static final List<String> COLLECTOR_CASES = List.of("disk write", "USB hot-plug", "PCI hot-plug", "new process", "listening socket",
            "kernel cmdline");

    record Result(String profile, String kase, List<Double> seconds, int trials, Map<String, Integer> ids, double expected, String note) { }

    private final Random random = new Random();
    private final int runs = Integer.getInteger("runs", 10);
    private final double mean = dbl("mean", 2);
    private final double min = dbl("min", 0.2);
    private final double max = dbl("max", 10);
    private final long diskBytes = Long.getLong("disk.mib", 64) << 20;
    private final int chunk = Integer.getInteger("chunk.kib", 1024) << 10;
    private final int spot = Integer.getInteger("spot", 4);
    private final double deadline = dbl("deadline", 1);
    private final double silence = dbl("silence", 1);

    public static void main(String[] args) throws Exception {
        new DetectionLatency().run(Path.of(args[0]), List.of(System.getProperty("profiles", "default,every-challenge").split(",")));
        System.exit(0); // the agent's and the server's non-daemon threads
    }

    private static double dbl(String key, double def) {
        return Double.parseDouble(System.getProperty(key, String.valueOf(def)));
    }

    void run(Path work, List<String> profiles) throws Exception {
        List<Result> results = new ArrayList<>();
        Map<String, Policy> policies = new LinkedHashMap<>();
        Map<String, Integer> cycles = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (String profile : profiles) {
            Map<String, String> keys = keys(profile);
            policies.put(profile, Policy.of(keys));
            try (LatencyRig rig = new LatencyRig(Files.createDirectories(work.resolve(profile)), keys, diskBytes)) {
                rig.boot();
                log("%s: baseline taken", profile);
                Policy p = Policy.of(keys);
                for (HostTampers.Tamper t : HostTampers.catalogue(rig.host, rig.disk, chunk, rig::cmdline, random)) {
                    results.add(collector(rig, profile, p, t));
                }
                results.add(silent(rig, profile));
                if (profile.equals("default")) {
                    results.add(storm(rig, profile));
                }
                cycles.put(profile, rig.powerCycles.get());
            }
        }
        print(results, policies, cycles, (System.nanoTime() - t0) / 1e9);
    }

    /** The policy of a profile: the timing of this run, and the default check probabilities or every check in every challenge. */
    Map<String, String> keys(String profile) {
        Map<String, String> m = new TreeMap<>(Map.of("challenge.mean-seconds", fmt(mean), "challenge.min-seconds", fmt(min),
                "challenge.max-seconds", fmt(max), "challenge.deadline-seconds", fmt(deadline), "contain.silence-seconds", fmt(silence),
                "tpm.required", "false", "disk.scratch.path", LatencyRig.DISK,
                "disk.scratch.chunk-size", String.valueOf(chunk), "disk.scratch.spot-chunks", String.valueOf(spot)));
        // Only the actions this rig can take: the power cycle goes to a recorder, nothing is cut or stopped.
        m.put("action.critical", "record,alert,power-cycle");
        m.put("action.error", "record,alert");
        m.put("action.cooldown-seconds", "0");
        switch (profile) {
            case "default" -> { }
            case "every-challenge" -> {
                // Each check kind in every challenge, and no gap longer than 1.75 mean intervals; silence contained
                // a quarter second after the first missed deadline, with a deadline of 0.2 s (the server adds 2 s for transit).
                m.put("challenge.max-seconds", fmt(1.75 * mean));
                m.put("challenge.deadline-seconds", "0.2");
                m.put("contain.silence-seconds", "0.25"); // 0 re-arms the silence timer with no delay: agent.silent in a tight loop
                for (String k : List.of("os", "hardware", "network", "disk-root")) {
                    m.put("check." + k + ".probability", "1");
                }
            }
            default -> throw new IllegalArgumentException("profile " + profile + ": default or every-challenge");
        }
        return m;
    }

    private Result collector(LatencyRig rig, String profile, Policy policy, HostTampers.Tamper t) throws Exception {
        double p = chance(policy, t.name());
        double expected = expectedWait(policy, p);
        double bound = Math.max(30, 10 * expected);
        List<Double> got = new ArrayList<>();
        Map<String, Integer> ids = new TreeMap<>();
        for (int i = 0; i < runs; i++) {
            rig.idle(0.1 + 0.5 * random.nextDouble()); // a random moment
            t.apply();
            long at = System.nanoTime();
            LatencyRig.Found f = rig.awaitFinding(t.findingIds(), at, bound);
            t.undo();
            if (f == null) {
                log("%s %s run %d: no finding within %.0f s", profile, t.name(), i + 1, bound);
                continue;
            }
            got.add((f.nanos() - at) / 1e9);
            ids.merge(f.eventId(), 1, Integer::sum);
            log("%s %s run %d: %.3f s (%s)", profile, t.name(), i + 1, got.get(got.size() - 1), f.eventId());
        }
        String note = String.format(Locale.ROOT, "p = %.3f per challenge", p);
        if (t.name().equals("disk write")) {
            // The scratch disk here is a file: a write changes its ctime, the agent's cached tree is dropped, and the
            // audit paths of any spot check come from the written disk. A block device keeps its node's timestamps.
            double whole = chance(policy, "disk write (whole disk per spot check)");
            note += String.format(Locale.ROOT, " if a spot check sees only its %d chunks (a block device); %.3f, expected %.2f s, if it"
                    + " sees the whole disk (this file-backed disk: a write drops the agent's cached tree)", spot, whole, expectedWait(policy, whole));
        }
        return new Result(profile, t.name(), got, runs, ids, expected, note);
    }

    private Result silent(LatencyRig rig, String profile) throws Exception {
        Policy policy = Policy.of(keys(profile));
        double dl = policy.deadline().toNanos() / 1e9;
        double quiet = policy.silenceBound().toNanos() / 1e9;
        double expected = residual(policy) + dl + 2 + quiet;
        List<Double> got = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            rig.idle(0.1 + 0.5 * random.nextDouble());
            long at = System.nanoTime();
            rig.silence();
            LatencyRig.Found f = rig.awaitFinding(Set.of("agent.silent"), at, 30 + 3 * expected);
            rig.boot(); // the policy's power cycle was recorded; the HPC comes back as a fresh boot
            if (f == null) {
                log("%s silence run %d: no agent.silent", profile, i + 1);
                continue;
            }
            got.add((f.nanos() - at) / 1e9);
            log("%s silence run %d: %.3f s", profile, i + 1, got.get(got.size() - 1));
        }
        return new Result(profile, "agent silence (stream open)", got, runs, Map.of("agent.silent", got.size()), expected,
                "next challenge + deadline " + fmt(dl) + " s + 2 s transit margin + contain.silence-seconds " + fmt(quiet));
    }

    /**
     * The link flaps: the relay cuts the stream, the agent re-dials (open 1, not a storm: the last open
     * is more than a mean interval ago), the relay cuts again, the agent re-dials (open 2, within a
     * mean interval of open 1: the first fast reconnect). Timed from open 2 reaching the relay.
     */
    private Result storm(LatencyRig rig, String profile) throws Exception {
        List<Double> got = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            rig.idle(mean + 0.2 + 0.5 * random.nextDouble()); // earlier opens leave the window
            if (!awaitConnected(rig, true, 10)) {
                log("%s storm run %d: not connected", profile, i + 1);
                continue;
            }
            rig.relay.cutAll();
            if (!awaitConnected(rig, false, 5) || !awaitConnected(rig, true, 10)) {
                log("%s storm run %d: the first reconnect was not seen", profile, i + 1);
                continue;
            }
            rig.relay.clearAccepts();
            rig.relay.cutAll();
            Long at = rig.relay.nextAccept(10);
            LatencyRig.Found f = at == null ? null : rig.awaitFinding(Set.of("stream.reconnect_storm"), at, 10);
            if (f == null) {
                log("%s storm run %d: no stream.reconnect_storm", profile, i + 1);
                continue;
            }
            got.add((f.nanos() - at) / 1e9);
            log("%s storm run %d: %.3f s", profile, i + 1, got.get(got.size() - 1));
        }
        return new Result(profile, "reconnect storm", got, runs, Map.of("stream.reconnect_storm", got.size()), Double.NaN,
                "from the fast reconnect's TCP accept: TLS, stream open, finding logged");
    }

    /** A bounded wait for the engine to show the stream open (or closed). */
    private static boolean awaitConnected(LatencyRig rig, boolean want, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (rig.connected() != want) {
            if (System.nanoTime() > end) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }

    /** The chance that one challenge covers a tampering of {@code kase} under {@code policy}. */
    double chance(Policy policy, String kase) {
        double os = policy.probability("check.os.probability");
        double hw = policy.probability("check.hardware.probability");
        double net = policy.probability("check.network.probability");
        double root = policy.probability("check.disk-root.probability");
        double spotP = policy.probability("check.disk-spot.probability");
        // A challenge with no check is drawn again, so every probability is conditioned on "not empty".
        double empty = (1 - os) * (1 - hw) * (1 - net) * (1 - root) * (1 - spotP) * (1 - policy.probability("check.tpm.probability"));
        double p = switch (kase) {
            case "disk write" -> 1 - (1 - root) * (1 - spotP * spotHit());
            case "disk write (whole disk per spot check)" -> 1 - (1 - root) * (1 - spotP);
            case "USB hot-plug", "PCI hot-plug" -> hw;
            case "new process", "kernel cmdline" -> os;
            case "listening socket" -> net;
            default -> throw new IllegalArgumentException(kase);
        };
        return p / (1 - empty);
    }

    /** One spot check of {@code spot} chunks (drawn with replacement) hits the one changed chunk among C. */
    double spotHit() {
        double chunks = Math.ceil((double) diskBytes / chunk);
        return 1 - Math.pow(1 - 1 / chunks, spot);
    }

    /**
     * Expected time from a random moment to the first challenge that covers a change, when each
     * challenge covers it with probability {@code p}: the residual wait to the next challenge, then
     * (1/p - 1) whole intervals. Intervals are exponential with the policy's mean, clamped to [min, max].
     */
    static double expectedWait(Policy policy, double p) {
        return residual(policy) + (1 / p - 1) * interval(policy)[0];
    }

    /** E[X^2] / (2 E[X]) for the clamped interval X: the expected wait from a random moment to the next challenge. */
    static double residual(Policy policy) {
        double[] e = interval(policy);
        return e[1] / (2 * e[0]);
    }

    /** {E[X], E[X^2]} for X = clamp(Exp(mean), min, max). */
    static double[] interval(Policy policy) {
        double m = policy.meanInterval().toNanos() / 1e9;
        double a = policy.minInterval().toNanos() / 1e9;
        double b = policy.maxInterval().toNanos() / 1e9;
        double ea = Math.exp(-a / m);
        double eb = Math.exp(-b / m);
        double ex = a + m * (ea - eb);
        double ex2 = a * a + 2 * (m * a * ea + m * m * ea - m * b * eb - m * m * eb);
        return new double[] {ex, ex2};
    }

    private void print(List<Result> results, Map<String, Policy> policies, Map<String, Integer> cycles, double wall) {
        StringBuilder out = new StringBuilder();
        for (var e : policies.entrySet()) {
            Policy p = e.getValue();
            out.append(String.format(Locale.ROOT, "- **%s**: challenge mean %s s (min %s, max %s), deadline %s s, contain.silence-seconds %s; "
                            + "check probabilities os %s, hardware %s, network %s, disk-spot %s (%d of %d chunks, one changed chunk hit with %.3f), "
                            + "disk-root %s, rootfs %s, tpm %s. Power cycles recorded (not done): %d.%n",
                    e.getKey(), p.get("challenge.mean-seconds"), p.get("challenge.min-seconds"), p.get("challenge.max-seconds"),
                    p.get("challenge.deadline-seconds"), p.get("contain.silence-seconds"), p.get("check.os.probability"),
                    p.get("check.hardware.probability"), p.get("check.network.probability"), p.get("check.disk-spot.probability"), spot,
                    (long) Math.ceil((double) diskBytes / chunk), spotHit(), p.get("check.disk-root.probability"),
                    p.get("check.rootfs.probability"), p.get("check.tpm.probability"), cycles.getOrDefault(e.getKey(), 0)));
        }
        out.append(String.format(Locale.ROOT, "%nWall time %.0f s.%n%n", wall));
        out.append("| policy | case | found / runs | min s | median s | p90 s | max s | mean s | expected mean s | mean / interval | max / interval | finding ids | note |\n");
        out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            double[] s = r.seconds().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double interval = policies.get(r.profile()).meanInterval().toNanos() / 1e9;
            double avg = Arrays.stream(s).average().orElse(Double.NaN);
            StringBuilder ids = new StringBuilder();
            r.ids().forEach((k, v) -> ids.append(ids.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
            out.append(String.format(Locale.ROOT, "| %s | %s | %d / %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.profile(), r.kase(),
                    s.length, r.trials(), num(at(s, 0)), num(pct(s, 0.5)), num(pct(s, 0.9)), num(at(s, s.length - 1)), num(avg),
                    num(r.expected()), ratio(avg / interval), ratio(at(s, s.length - 1) / interval), ids, r.note()));
        }
        System.out.print(out);
    }

    private static double at(double[] s, int i) {
        return s.length == 0 ? Double.NaN : s[i];
    }

    /** Median by interpolation for p = 0.5; otherwise nearest rank. */
    static double pct(double[] s, double p) {
        if (s.length == 0) {
            return Double.NaN;
        }
        if (p == 0.5) {
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
        return s[Math.max(0, Math.min(s.length - 1, (int) Math.ceil(p * s.length) - 1))];
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : v < 0.1 ? String.format(Locale.ROOT, "%.3f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    private static void log(String f, Object... a) {
        System.err.printf("%tT %s%n", System.currentTimeMillis(), String.format(Locale.ROOT, f, a));
    }
}
