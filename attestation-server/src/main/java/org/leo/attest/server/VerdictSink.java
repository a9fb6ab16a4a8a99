package org.leo.attest.server;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where verdicts end: the attestation log first, then the actions. Crash ordering: the
 * dispatcher acts on a verdict only once the verdict's entry is durable, so no HPC is power-cycled
 * for a reason the log would not show after a crash. Every answer's verdict line is written; its
 * finding entries count against a budget of {@link Policy#maxFindingsPerMinute()} per HPC per
 * minute: past it one {@code log.throttled} entry says so, the rest are counted (metric
 * {@code attest.log.throttled}) and the next minute's first entry says how many were not written.
 */
final class VerdictSink {
    private static final Logger LOG = LoggerFactory.getLogger(VerdictSink.class);
    static final Duration WINDOW = Duration.ofMinutes(1);

    private static final class Budget {
        Instant windowStart;
        int used;
        int dropped;
    }

    private final Supplier<Policy> policy;
    private final AttestationLog log;
    private final ActionDispatcher actions;
    private final Clock clock;
    private final MeterRegistry registry;
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();
    private final List<Consumer<Verdict>> listeners = new CopyOnWriteArrayList<>();
    /**
     * Acts off the log's writer thread: an action writes its own entry durably, which from the
     * writer's completion callback would wait for itself. One thread keeps each HPC's actions in order.
     */
    private final java.util.concurrent.ExecutorService acting = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "attest-actions");
        t.setDaemon(true);
        return t;
    });

    VerdictSink(Supplier<Policy> policy, AttestationLog log, ActionDispatcher actions, Clock clock, MeterRegistry registry) {
        this.policy = policy;
        this.log = log;
        this.actions = actions;
        this.clock = clock;
        this.registry = registry;
    }

    void onVerdict(Consumer<Verdict> listener) {
        listeners.add(listener);
    }

    /** Logs {@code v} and its findings; acts and tells the listeners once the verdict entry is durable. */
    CompletableFuture<Void> conclude(Verdict v) {
        registry.counter("attest.verdicts", "severity", v.clean() ? "clean" : v.severity().lower()).increment();
        if (v.clean()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}", v.sentence());
            }
        } else {
            LOG.warn("{}", v.sentence());
        }
        CompletableFuture<?> verdictEntry = log.append(new LogEntry(clock.instant(), v.hpc(), LogEntry.Kind.VERDICT,
                v.clean() ? "info" : v.severity().lower(), v.clean() ? "verdict.clean" : "verdict.findings", v.sentence(),
                "challenge=" + Long.toUnsignedString(v.challengeId()) + "\nfindings=" + v.findings().size()));
        for (Finding f : v.findings()) {
            finding(v.hpc(), f.severity().lower(), f.eventId(), f.sentence(), f.detail());
        }
        return verdictEntry.handleAsync((entry, failure) -> {
            if (failure != null) {
                LOG.error("HPC {}: verdict not recorded ({}); acting on it all the same", v.hpc(), failure.getMessage());
            }
            try {
                actions.act(v);
            } finally {
                listeners.forEach(l -> l.accept(v));
            }
            return null;
        }, acting);
    }

    /** Stops acting; verdicts concluded later are logged but not acted on. */
    void close() {
        acting.shutdownNow();
    }

    /** A finding entry (of a verdict, a stream restored) under the HPC's budget. */
    void finding(String hpc, String severity, String eventId, String message, String detail) {
        record(hpc, LogEntry.Kind.FINDING, severity, eventId, message, detail);
    }

    /** An entry about {@code hpc} outside a verdict line (a baseline taken, a finding) under the HPC's budget. */
    void record(String hpc, LogEntry.Kind kind, String severity, String eventId, String message, String detail) {
        Budget b = budgets.computeIfAbsent(hpc, h -> new Budget());
        Instant now = clock.instant();
        int maxPerMinute = policy.get().maxFindingsPerMinute();
        int droppedBefore = 0;
        boolean write;
        boolean firstDrop = false;
        synchronized (b) {
            if (b.windowStart == null || !now.isBefore(b.windowStart.plus(WINDOW))) {
                droppedBefore = b.dropped;
                b.windowStart = now;
                b.used = 0;
                b.dropped = 0;
            }
            write = b.used < maxPerMinute;
            if (write) {
                b.used++;
            } else {
                firstDrop = b.dropped++ == 0;
            }
        }
        if (droppedBefore > 0) {
            append(hpc, LogEntry.Kind.FINDING, "info", "log.throttled", "HPC " + hpc + ": " + droppedBefore + " finding entries of the previous minute were not written"
                    + " (at most " + maxPerMinute + " per minute)", "dropped=" + droppedBefore);
        }
        if (write) {
            append(hpc, kind, severity, eventId, message, detail);
        } else {
            registry.counter("attest.log.throttled").increment();
            if (firstDrop) {
                append(hpc, LogEntry.Kind.FINDING, policy.get().severityOf("log.throttled").lower(), "log.throttled", "HPC " + hpc + ": more than "
                        + maxPerMinute + " finding entries in a minute; the rest of this minute's are counted, not written", "");
            }
        }
    }

    private void append(String hpc, LogEntry.Kind kind, String severity, String eventId, String message, String detail) {
        log.append(new LogEntry(clock.instant(), hpc, kind, severity, eventId, message, detail))
                .exceptionally(e -> {
                    LOG.error("attestation log: {} about {} not recorded: {}", eventId, hpc, e.getMessage());
                    return null;
                });
    }
}
