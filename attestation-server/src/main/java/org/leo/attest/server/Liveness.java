package org.leo.attest.server;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.leo.attest.appraise.Findings;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;

/**
 * Whether an HPC is still there: a stream that is not (re)opened within the grace period is
 * {@code stream.dropped}; from the first missed deadline or drop the HPC is unresponsive, and
 * unresponsive for longer than the policy's silence bound is {@code agent.silent}, again after every
 * further bound, until a valid answer arrives. Callers hold the session's monitor; the timers take it.
 */
final class Liveness {
    private final Supplier<Policy> policy;
    private final Clock clock;
    private final ScheduledExecutorService timers;
    private final Consumer<Verdict> conclude;

    Liveness(Supplier<Policy> policy, Clock clock, ScheduledExecutorService timers, Consumer<Verdict> conclude) {
        this.policy = policy;
        this.clock = clock;
        this.timers = timers;
        this.conclude = conclude;
    }

    void armDropTimer(HpcSession s, String why) {
        Instant since = clock.instant();
        s.dropTimer = timers.schedule(() -> dropped(s, since, why), policy.get().streamGrace().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void dropped(HpcSession s, Instant since, String why) {
        Verdict v;
        synchronized (s) {
            if (s.ended || !(s.connection instanceof HpcSession.Offline off) || off.dropReported()) {
                return;
            }
            s.connection = new HpcSession.Offline(off.since(), true);
            Findings f = new Findings(s.hpc, policy.get());
            f.add("stream", "stream.dropped", "an open attestation stream", "none since " + since,
                    why);
            v = new Verdict(s.hpc, 0, f.list());
            unresponsive(s, since);
        }
        conclude.accept(v);
    }

    /** The HPC stopped answering at {@code since}: the silence bound starts, unless it already runs. */
    void unresponsive(HpcSession s, Instant since) {
        if (s.unresponsiveSince != null) {
            return;
        }
        s.unresponsiveSince = since;
        armSilence(s, Duration.between(clock.instant(), since.plus(policy.get().silenceBound())));
    }

    private void armSilence(HpcSession s, Duration in) {
        s.silenceTimer = timers.schedule(() -> silent(s), Math.max(0, in.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void silent(HpcSession s) {
        Verdict v;
        synchronized (s) {
            if (s.ended || s.unresponsiveSince == null) {
                return;
            }
            Duration quiet = Duration.between(s.unresponsiveSince, clock.instant());
            Findings f = new Findings(s.hpc, policy.get());
            f.add("agent", "agent.silent", "an answer within " + policy.get().silenceBound().toSeconds() + " s", "none for " + quiet.toSeconds() + " s",
                    "no valid answer since " + s.unresponsiveSince + " (" + quiet.toSeconds() + " s; "
                            + (s.link() == null ? "no stream open" : "stream open from " + s.link().peer()) + ")");
            v = new Verdict(s.hpc, 0, f.list());
            // Still silent after another bound (at least a mean challenge interval: a bound of 0 must not loop): contained again.
            armSilence(s, max(policy.get().silenceBound(), policy.get().meanInterval()));
        }
        conclude.accept(v);
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A valid answer arrived: the HPC answers again. Caller holds the monitor. */
    void answered(HpcSession s) {
        s.unresponsiveSince = null;
        if (s.silenceTimer != null) {
            s.silenceTimer.cancel(false);
            s.silenceTimer = null;
        }
    }
}
