package org.leo.attest.action;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acts on verdicts as the policy says for their severity. Each action taken (or failed) is an
 * ACTION entry in the attestation log. Disruptive actions (stop the task, cut the network, power
 * cycle) are taken at most once per HPC per cool-down: while the HPC reboots, its missed challenges
 * and dropped stream must not power-cycle it again and again.
 */
public final class ActionDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(ActionDispatcher.class);

    private final Supplier<Policy> policy;
    private final AttestationLog log;
    private final PowerControl power;
    private final NetworkControl network;
    private final TaskControl tasks;
    private final Clock clock;
    private final Map<String, Instant> lastDisruption = new ConcurrentHashMap<>();
    private final List<Consumer<Verdict>> alerts = new CopyOnWriteArrayList<>();

    /** With a fixed policy. */
    public ActionDispatcher(Policy policy, AttestationLog log, PowerControl power, NetworkControl network, TaskControl tasks, Clock clock) {
        this(() -> policy, log, power, network, tasks, clock);
    }

    /** With the policy {@code policy} supplies at each use (it changes when the policy is reloaded). */
    public ActionDispatcher(Supplier<Policy> policy, AttestationLog log, PowerControl power, NetworkControl network, TaskControl tasks, Clock clock) {
        this.policy = policy;
        this.log = log;
        this.power = power;
        this.network = network;
        this.tasks = tasks;
        this.clock = clock;
    }

    /** How this Pi power-cycles its HPCs (also what the task coordinator cleans an HPC up with). */
    public PowerControl power() {
        return power;
    }

    /** What cuts and restores an HPC's network (the operator's quarantine uses it too). */
    public NetworkControl network() {
        return network;
    }

    /** Alert listeners (the dashboard); called for verdicts whose actions include ALERT. */
    public void onAlert(Consumer<Verdict> listener) {
        alerts.add(listener);
    }

    /** Takes the policy's actions for {@code verdict}; returns those taken. */
    public List<Action> act(Verdict verdict) {
        if (verdict.clean()) {
            return List.of();
        }
        List<Action> wanted = policy.get().actionsFor(verdict.severity());
        String hpc = verdict.hpc();
        boolean disruptive = wanted.stream().anyMatch(a -> a.compareTo(Action.STOP_TASK) >= 0);
        if (disruptive) {
            Instant last = lastDisruption.get(hpc);
            Instant now = clock.instant();
            if (last != null && Duration.between(last, now).compareTo(policy.get().actionCooldown()) < 0) {
                record(hpc, "action.suppressed", "info", "HPC " + hpc + ": " + wanted + " not repeated: the last disruptive action was "
                        + Duration.between(last, now).toSeconds() + " s ago (cool-down " + policy.get().actionCooldown().toSeconds() + " s)");
                wanted = wanted.stream().filter(a -> a.compareTo(Action.STOP_TASK) < 0).toList();
            } else {
                lastDisruption.put(hpc, now);
            }
        }
        for (Action a : wanted) {
            take(a, verdict);
        }
        return wanted;
    }

    private void take(Action a, Verdict v) {
        String hpc = v.hpc();
        try {
            switch (a) {
                case RECORD -> { } // the verdict itself is in the log already
                case ALERT -> {
                    LOG.warn("ALERT {}", v.sentence());
                    alerts.forEach(l -> l.accept(v));
                    record(hpc, "action.alert", v.severity().lower(), "HPC " + hpc + ": alert raised: " + v.sentence());
                }
                case STOP_TASK -> {
                    recordDurably(hpc, "action.stop-task", "HPC " + hpc + ": stopping its task");
                    if (!tasks.stop(hpc)) {
                        record(hpc, "action.stop-task", "info", "HPC " + hpc + ": no task was running to stop");
                    }
                }
                case CUT_NETWORK -> {
                    recordDurably(hpc, "action.cut-network", "HPC " + hpc + ": cutting its network at the Pi");
                    network.cut(hpc);
                }
                case POWER_CYCLE -> {
                    recordDurably(hpc, "action.power-cycle", "HPC " + hpc + ": power-cycling through " + power.describe(hpc));
                    power.powerCycle(hpc);
                    if (policy.get().actionsFor(v.severity()).contains(Action.CUT_NETWORK)) {
                        // It must reach the Pi to boot the measured image again.
                        recordDurably(hpc, "action.restore-network", "HPC " + hpc + ": restoring its network for the reboot");
                        network.restore(hpc);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.error("HPC {}: action {} failed: {}", hpc, a.lower(), e.getMessage());
            record(hpc, "action.failed", "error", "HPC " + hpc + ": action " + a.lower() + " failed: " + e.getMessage());
        }
    }

    /**
     * Crash ordering: a disruptive action's entry is durable before the action is taken, so after a
     * crash the log never lacks an action the HPC underwent. A failure to record stops the action
     * (an IllegalStateException, reported as action.failed).
     */
    private void recordDurably(String hpc, String eventId, String sentence) {
        log.appendDurably(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ACTION, "info", eventId, sentence, ""));
    }

    private void record(String hpc, String eventId, String severity, String sentence) {
        log.append(new LogEntry(clock.instant(), hpc, LogEntry.Kind.ACTION, severity, eventId, sentence, ""));
    }
}
