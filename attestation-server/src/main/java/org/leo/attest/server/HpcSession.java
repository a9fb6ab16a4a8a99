package org.leo.attest.server;

import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.leo.attest.appraise.Golden;

/**
 * Everything the engine tracks about one boot of one HPC, from its enrollment on. A session belongs
 * to the boot, not to a stream: streams come and go ({@link Connection}), the schedule, the
 * outstanding challenges and the golden baseline stay. Only a new enrollment (a new boot) replaces
 * the session. Guarded by its own monitor: the scheduler, the timeouts and the stream threads all
 * touch it.
 *
 * <pre>
 *  enrolled --baseline answered and valid--> Attested(golden)
 *     |  (every challenge until then is a baseline challenge; missed ones are findings)
 *  Connection: Offline(since) <--stream opened / stream ended--> Online(link)
 * </pre>
 */
final class HpcSession {
    /** Answered challenge ids remembered per HPC, to call a re-sent answer a replay rather than unknown. */
    static final int ANSWERED_MEMORY = 1024;
    /** Challenges outstanding at once; more are not issued (an HPC offline for long is covered by the silence timer). */
    static final int MAX_OUTSTANDING = 16;

    /** Where the boot is in its attestation. */
    sealed interface Phase permits Baselining, Attested { }

    /** No valid baseline answer yet: every challenge is a full baseline challenge. */
    record Baselining(int baselinesIssued) implements Phase { }

    /**
     * The golden baseline was taken and validated; challenges are random and appraised against it. {@code signed} is
     * the baseline answer as the agent sent it (what a remote verifier checks); empty for a golden saved before the
     * store kept signatures.
     */
    record Attested(Golden golden, java.util.Optional<org.leo.protocol.attest.v1.Evidence> signed) implements Phase { }

    /** The agent's stream. */
    sealed interface Connection permits Online, Offline { }

    /** A stream is open on the certificate {@code serial} whose key is {@code key}. */
    record Online(AgentLink link, PublicKey key, String serial, Instant since) implements Connection { }

    /**
     * No stream since {@code since}; {@code dropReported} once the grace period passed and
     * {@code stream.dropped} was reported.
     */
    record Offline(Instant since, boolean dropReported) implements Connection { }

    final String hpc;
    final String bootNonce;
    Phase phase = new Baselining(0);
    Connection connection;
    long lastSequence = -1;
    /** When the HPC stopped answering (a missed deadline or a dropped stream); null while it answers. */
    Instant unresponsiveSince;
    ScheduledFuture<?> nextChallenge;
    ScheduledFuture<?> dropTimer;
    ScheduledFuture<?> silenceTimer;
    /** When streams were opened, within the last mean challenge interval (reconnect rate). */
    final Deque<Instant> opens = new ArrayDeque<>();
    Instant lastStormReport;
    final Map<Long, Outstanding> outstanding = new LinkedHashMap<>();
    final Map<Long, Instant> answered = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Instant> eldest) {
            return size() > ANSWERED_MEMORY;
        }
    };
    long challengesSent;
    long verdicts;
    long findings;
    Instant lastVerdictAt;
    String lastVerdict = "";
    /** The worst severity among this boot's verdicts. */
    org.leo.attest.appraise.Severity worst = org.leo.attest.appraise.Severity.INFO;
    boolean ended;
    /** What the Pi expects the HPC's task engine to hold; a new boot starts with none. */
    org.leo.attest.appraise.TaskExpectation task = org.leo.attest.appraise.TaskExpectation.NONE;

    HpcSession(String hpc, String bootNonce, Instant start) {
        this.hpc = hpc;
        this.bootNonce = bootNonce;
        this.connection = new Offline(start, false);
    }

    /** The golden baseline, if taken. */
    Golden golden() {
        return phase instanceof Attested a ? a.golden() : null;
    }

    /** The open stream's link, or null. */
    AgentLink link() {
        return connection instanceof Online o ? o.link() : null;
    }

    /** Cancels every timer; the session is over (a new boot enrolled, or the server stops). */
    void end() {
        ended = true;
        for (ScheduledFuture<?> f : new ScheduledFuture<?>[] {nextChallenge, dropTimer, silenceTimer}) {
            if (f != null) {
                f.cancel(false);
            }
        }
        outstanding.values().forEach(o -> {
            if (o.timeout() != null) {
                o.timeout().cancel(false);
            }
        });
    }
}
