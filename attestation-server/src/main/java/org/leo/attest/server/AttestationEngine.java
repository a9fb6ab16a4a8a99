package org.leo.attest.server;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.appraise.Appraiser;
import org.leo.attest.appraise.Findings;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.GoldenCheck;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.ReferenceRoots;
import org.leo.attest.appraise.TaskExpectation;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.enroll.Enroller;
import org.leo.attest.enroll.EnrollmentStore;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.attest.schedule.ChallengeFactory;
import org.leo.attest.schedule.Interarrival;
import org.leo.protocol.EvidenceSignature;
import org.leo.protocol.attest.v1.Challenge;
import org.leo.protocol.attest.v1.Evidence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation loop, free of gRPC. A {@link HpcSession} starts when a boot enrolls
 * ({@link #enrolled}) and owns the schedule: challenges are issued at unpredictable times whether or
 * not a stream is open, and a stream that opens gets every outstanding one at once, so reconnecting
 * dodges nothing. Evidence goes through {@link EvidenceAdmission} (pure), then the appraiser, then
 * the {@link VerdictSink} (log, then actions). A missed deadline, a dropped stream, a baseline never
 * answered are findings; an HPC that stays unresponsive longer than the policy's silence bound is
 * {@code agent.silent}, which the default policy contains (power cycle). Streams opened faster than
 * the mean challenge interval are a finding and, past a limit, refused.
 */
public final class AttestationEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestationEngine.class);
    /** Transit allowance on top of a challenge's deadline before the server calls it missed. */
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(2);

    /**
     * An answer relayed to an external verifier: the challenge, the signed evidence, its verdict, and the golden
     * baseline it was appraised against as the agent signed it (empty for a golden saved before signatures were kept).
     */
    public record Relayed(Challenge challenge, Evidence evidence, X509Certificate agentCertificate, Verdict verdict, Optional<Evidence> golden) { }

    /**
     * The golden baseline of boot {@code bootNonce} of {@code hpc}: the agent's answer to its baseline challenge, body
     * bytes and signature exactly as the agent sent them.
     */
    public record Baseline(String hpc, String bootNonce, Evidence signed) { }

    private final AtomicReference<Policy> policy;
    private final AttestationLog log;
    private final EnrollmentStore store;
    private final Clock clock;
    private final ChallengeFactory factory;
    private final SecureRandom random = new SecureRandom();
    private volatile Interarrival interarrival;
    private final Appraiser appraiser;
    private final GoldenCheck goldenCheck;
    private final VerdictSink sink;
    private final Liveness liveness;
    private final ScheduledExecutorService timers;
    private final MeterRegistry registry;
    private final Map<String, HpcSession> sessions = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Relayed>> relays = new ConcurrentHashMap<>();
    private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();
    private final List<BiConsumer<Verdict, Duration>> answerListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Baseline>> baselineListeners = new CopyOnWriteArrayList<>();
    private final io.micrometer.core.instrument.Timer answerTimer;
    private final TaskDispatch tasks;

    public AttestationEngine(Policy policy, AttestationLog log, EnrollmentStore store, ActionDispatcher actions, Clock clock,
                             MeterRegistry registry) {
        this(new AtomicReference<>(policy), log, store, actions, clock, registry);
    }

    /**
     * An engine whose policy is {@code policy}'s, shared with {@code actions} (so that {@link #reload} changes both):
     * each challenge, appraisal, timer and action reads the policy in force when it happens.
     */
    public AttestationEngine(AtomicReference<Policy> policy, AttestationLog log, EnrollmentStore store, ActionDispatcher actions, Clock clock,
                             MeterRegistry registry) {
        this.policy = policy;
        this.log = log;
        this.store = store;
        this.clock = clock;
        this.registry = registry;
        // Ids continue above any used before a restart: micro-seconds since the epoch at start.
        this.factory = new ChallengeFactory(policy::get, random, clock.millis() * 1000);
        this.interarrival = interarrival(policy.get());
        this.appraiser = new Appraiser(policy::get);
        this.goldenCheck = new GoldenCheck(policy::get, new ReferenceRoots());
        this.sink = new VerdictSink(policy::get, log, actions, clock, registry);
        this.answerTimer = io.micrometer.core.instrument.Timer.builder("attest.challenge_to_verdict")
                .description("from sending a challenge to its verdict (answer, signature check, appraisal)")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "attest-timer");
            t.setDaemon(true);
            return t;
        });
        this.liveness = new Liveness(policy::get, clock, timers, this::conclude);
        this.tasks = new TaskDispatch(new TaskDispatch.Streams() {
            @Override
            public Optional<String> serial(String hpc) {
                HpcSession s = sessions.get(hpc);
                if (s == null) {
                    return Optional.empty();
                }
                synchronized (s) {
                    return s.connection instanceof HpcSession.Online on ? Optional.of(on.serial()) : Optional.empty();
                }
            }

            @Override
            public boolean send(String hpc, String serial, org.leo.protocol.attest.v1.TaskAssignment a) {
                HpcSession s = sessions.get(hpc);
                if (s == null) {
                    return false;
                }
                synchronized (s) {
                    return s.connection instanceof HpcSession.Online on && on.serial().equals(serial) && on.link().send(a);
                }
            }
        }, log, registry, timers, clock);
    }

    /** The certificate of {@code hpc}'s latest stream: whose key a task's capsule keys are released to. */
    public Optional<X509Certificate> certificate(String hpc) {
        return Optional.ofNullable(certificates.get(hpc));
    }

    /** Tasks assigned to this Pi's HPCs (docs/tasks.md "The task on the agent's protocol"). */
    public TaskDispatch tasks() {
        return tasks;
    }

    /** The policy this engine appraises with now. */
    public Policy policy() {
        return policy.get();
    }

    private Interarrival interarrival(Policy p) {
        return new Interarrival(random, p.meanInterval(), p.minInterval(), p.maxInterval());
    }

    /**
     * Puts {@code next} in force (SIGHUP): the challenges scheduled from now on, the appraisals and actions that follow
     * use it; challenges already sent keep their deadline. Refused, keeping the policy in force, when {@code next}
     * changes what needs a restart ({@link Policy#restartKeys}). Recorded durably in the log with the changed keys;
     * returns them (empty: nothing changed, nothing recorded).
     */
    public synchronized List<String> reload(Policy next) {
        Policy now = policy.get();
        List<String> restart = Policy.restartKeys(now, next);
        if (!restart.isEmpty()) {
            throw new IllegalArgumentException("the policy was not reloaded: " + String.join(", ", restart)
                    + " changed, which takes a restart (golden baselines and enrollment depend on it)");
        }
        List<String> changed = Policy.changedKeys(now, next);
        if (changed.isEmpty()) {
            return changed;
        }
        log.appendDurably(new LogEntry(clock.instant(), "appliance", LogEntry.Kind.POLICY, "info", "policy.reloaded",
                "the attestation policy was reloaded: " + String.join(", ", changed) + " changed", next.describe(changed)));
        interarrival = interarrival(next);
        policy.set(next);
        return changed;
    }

    /** Called for every verdict, after it is logged durably and acted on (tests, dashboard, benchmarks). */
    public void onVerdict(Consumer<Verdict> listener) {
        sink.onVerdict(listener);
    }

    /** Called for every answered challenge with the time from issuing it to its verdict (the capacity benchmark). */
    public void onAnswer(BiConsumer<Verdict, Duration> listener) {
        answerListeners.add(listener);
    }

    /**
     * Called when an HPC's golden baseline becomes current: taken from a baseline answer (after {@code baseline.taken}
     * is logged), or restored from the store when a boot's stream re-opens after a restart. Called on the thread that
     * handled the answer, outside the session's lock: a listener must not block (the consensus service's
     * publisher hands it to its own thread). A listener that throws is logged and does not stop the others.
     */
    public void onBaseline(Consumer<Baseline> listener) {
        baselineListeners.add(listener);
    }

    /** The current golden baseline of {@code hpc} as the agent signed it, if one is taken and its signature kept. */
    public Optional<Baseline> baseline(String hpc) {
        HpcSession s = sessions.get(hpc);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (s) {
            return s.phase instanceof HpcSession.Attested a ? a.signed().map(e -> new Baseline(hpc, s.bootNonce, e)) : Optional.empty();
        }
    }

    private void baselineCurrent(Baseline b) {
        for (Consumer<Baseline> l : baselineListeners) {
            try {
                l.accept(b);
            } catch (RuntimeException e) {
                LOG.warn("HPC {}: a baseline listener failed: {}", b.hpc(), e.toString());
            }
        }
    }

    /**
     * Boot {@code bootNonce} of {@code hpc} enrolled (durably): its session starts now and replaces
     * any earlier boot's, whose stream is closed. The baseline challenge is issued at once and the
     * schedule starts; if no stream opens within the grace period, that is {@code stream.dropped}.
     */
    public void enrolled(String hpc, String bootNonce) {
        HpcSession fresh = new HpcSession(hpc, bootNonce, clock.instant());
        HpcSession old = sessions.put(hpc, fresh);
        if (old != null) {
            synchronized (old) {
                old.end();
                AgentLink link = old.link();
                if (link != null) {
                    link.close(Status.PERMISSION_DENIED.withDescription("a newer boot of this HPC enrolled"));
                }
            }
        }
        synchronized (fresh) {
            issue(fresh);
            scheduleNext(fresh);
            liveness.armDropTimer(fresh, "no attestation stream was opened within " + policy.get().streamGrace().toSeconds() + " s of the enrollment at "
                    + clock.instant());
        }
    }

    /** A stream opened on {@code cert} (already checked by TLS: our CA, unexpired, unrevoked). */
    public void open(X509Certificate cert, AgentLink link) {
        String hpc = Enroller.hpcOf(cert);
        String serial = cert.getSerialNumber().toString(16);
        String boot;
        Optional<EnrollmentStore.Enrollment> latest;
        try {
            Optional<String> b = store.bootOfCertificate(serial);
            if (b.isEmpty()) {
                link.close(Status.PERMISSION_DENIED.withDescription("certificate " + serial + " was not issued by this server's enrollment"));
                return;
            }
            boot = b.get();
            latest = store.latest(hpc);
        } catch (SQLException e) {
            link.close(Status.UNAVAILABLE.withDescription("enrollment store: " + e.getMessage()));
            return;
        }
        if (latest.isEmpty() || !latest.get().bootNonce().equals(boot)) {
            // An earlier boot's certificate: it must not touch the session of the boot that enrolled since.
            String why = "certificate " + serial + " belongs to boot " + Findings.shortHex(boot) + "; boot "
                    + latest.map(l -> Findings.shortHex(l.bootNonce())).orElse("?") + " of this HPC enrolled since";
            finding(hpc, "stream", "stream.superseded", "a certificate of the current boot", serial,
                    "a stream from " + link.peer() + " was refused: " + why);
            link.close(Status.PERMISSION_DENIED.withDescription(why));
            return;
        }
        HpcSession[] made = new HpcSession[1];
        HpcSession s = sessions.compute(hpc, (h, cur) -> cur != null && cur.bootNonce.equals(boot) ? cur : (made[0] = recovered(h, boot)));
        if (made[0] == s) {
            baseline(hpc).ifPresent(this::baselineCurrent); // a golden taken before a restart is current again
        }
        PublicKey key;
        try {
            key = EvidenceSignature.verifierKey(cert.getPublicKey());
        } catch (java.security.GeneralSecurityException e) {
            key = cert.getPublicKey();
        }
        synchronized (s) {
            Instant now = clock.instant();
            Duration window = policy.get().meanInterval();
            while (!s.opens.isEmpty() && !s.opens.peekFirst().isAfter(now.minus(window))) {
                s.opens.pollFirst();
            }
            if (s.opens.size() >= policy.get().maxOpensPerInterval()) {
                String why = "more than " + policy.get().maxOpensPerInterval() + " streams opened within " + window.toSeconds() + " s; try later";
                reportStorm(s, now, link.peer());
                registry.counter("attest.stream.refused", "reason", "reconnect_storm").increment();
                link.close(Status.RESOURCE_EXHAUSTED.withDescription(why));
                return;
            }
            if (!s.opens.isEmpty()) {
                reportStorm(s, now, link.peer());
            }
            s.opens.addLast(now);
            certificates.put(hpc, cert);
            AgentLink previous = s.link();
            boolean wasReported = s.connection instanceof HpcSession.Offline off && off.dropReported();
            s.connection = new HpcSession.Online(link, key, serial, now);
            if (previous != null && previous != link) {
                LOG.info("HPC {}: new stream from {} replaces the one from {}", hpc, link.peer(), previous.peer());
                previous.close(Status.ALREADY_EXISTS.withDescription("replaced by a newer stream of the same HPC"));
            }
            if (s.dropTimer != null) {
                s.dropTimer.cancel(false);
                s.dropTimer = null;
            }
            if (wasReported) {
                sink.finding(hpc, "info", "stream.restored", "HPC " + hpc + ": attestation stream re-opened from " + link.peer(), "");
            }
            LOG.info("HPC {}: attestation stream open from {} (certificate {}, {} challenge(s) outstanding)", hpc, link.peer(), serial,
                    s.outstanding.size());
            for (Outstanding o : s.outstanding.values()) { // due while the HPC was away: it gets them now
                link.send(o.challenge());
            }
        }
    }

    /** A session for a boot that enrolled before this server started: its golden, if taken, is in the store. */
    private HpcSession recovered(String hpc, String boot) {
        HpcSession s = new HpcSession(hpc, boot, clock.instant());
        try {
            Optional<Golden> g = store.golden(hpc).filter(x -> x.bootNonce().equals(boot));
            if (g.isPresent()) {
                s.phase = new HpcSession.Attested(g.get(), store.signedGolden(hpc, boot));
            }
        } catch (SQLException e) {
            LOG.error("HPC {}: golden baseline unreadable, asking for a new one: {}", hpc, e.getMessage());
        }
        synchronized (s) {
            if (s.golden() == null) {
                issue(s);
            }
            scheduleNext(s);
        }
        return s;
    }

    private void reportStorm(HpcSession s, Instant now, String peer) {
        if (s.lastStormReport != null && now.isBefore(s.lastStormReport.plus(policy.get().meanInterval()))) {
            return; // one finding per interval
        }
        s.lastStormReport = now;
        Findings f = new Findings(s.hpc, policy.get());
        f.add("stream", "stream.reconnect_storm", "at most one stream per " + policy.get().meanInterval().toSeconds() + " s",
                (s.opens.size() + 1) + " streams", "stream " + (s.opens.size() + 1) + " opened from " + peer + " within "
                        + policy.get().meanInterval().toSeconds() + " s (the mean challenge interval); reconnecting does not skip challenges");
        conclude(new Verdict(s.hpc, 0, f.list()));
    }

    /** The stream {@code link} of {@code cert} ended ({@code cause} may be null for a clean close). */
    public void closed(X509Certificate cert, AgentLink link, Throwable cause) {
        HpcSession s = sessions.get(Enroller.hpcOf(cert));
        if (s == null) {
            return;
        }
        synchronized (s) {
            if (s.link() != link) {
                return; // a replaced stream
            }
            s.connection = new HpcSession.Offline(clock.instant(), false);
            String why = cause == null ? "closed by the agent" : Status.fromThrowable(cause).toString();
            LOG.info("HPC {}: attestation stream from {} ended: {}", s.hpc, link.peer(), why);
            if (timers.isShutdown() || s.ended) {
                return; // the server is stopping: a stream it cancels itself is not a drop
            }
            liveness.armDropTimer(s, "attestation stream from " + link.peer() + " dropped at " + clock.instant() + " (" + why
                    + ") and was not re-opened within " + policy.get().streamGrace().toSeconds() + " s");
        }
    }

    /** Evidence arrived on {@code link}. Refused evidence closes the stream with a status saying why. */
    public void evidence(X509Certificate cert, AgentLink link, Evidence evidence) {
        HpcSession s = sessions.get(Enroller.hpcOf(cert));
        if (s == null) {
            link.close(Status.FAILED_PRECONDITION.withDescription("no stream is open for this certificate"));
            return;
        }
        Verdict verdict;
        CompletableFuture<Relayed> relay;
        Challenge challenge;
        Instant sentAt;
        Baseline taken = null;
        Optional<Evidence> golden;
        synchronized (s) {
            if (!(s.connection instanceof HpcSession.Online on) || on.link() != link) {
                link.close(Status.ALREADY_EXISTS.withDescription("this stream was replaced by a newer one"));
                return;
            }
            registry.counter("attest.evidence.received").increment();
            EvidenceAdmission.Result r = EvidenceAdmission.admit(new EvidenceAdmission.View(on.key(), on.serial(), s.outstanding,
                    s.answered, s.lastSequence), evidence);
            if (r instanceof EvidenceAdmission.Refused no) {
                refuse(s, link, no);
                return;
            }
            EvidenceAdmission.Admitted yes = (EvidenceAdmission.Admitted) r;
            Outstanding out = yes.challenge();
            long id = out.challenge().getChallengeId();
            s.outstanding.remove(id);
            if (out.timeout() != null) {
                out.timeout().cancel(false);
            }
            s.answered.put(id, clock.instant());
            s.lastSequence = yes.body().getSequence();
            liveness.answered(s);
            challenge = out.challenge();
            sentAt = out.sentAt();
            if (out.baseline() && s.golden() == null) {
                List<String> problems = goldenCheck.problems(challenge, yes.body(), s.bootNonce);
                if (problems.isEmpty()) {
                    Golden g = new Golden(s.hpc, s.bootNonce, yes.body());
                    try {
                        store.saveGolden(g, evidence);
                    } catch (SQLException e) {
                        LOG.error("HPC {}: golden baseline not saved: {}", s.hpc, e.getMessage());
                    }
                    s.phase = new HpcSession.Attested(g, Optional.of(evidence));
                    taken = new Baseline(s.hpc, s.bootNonce, evidence);
                    sink.record(s.hpc, org.leo.attest.log.LogEntry.Kind.VERDICT, "info", "baseline.taken", "HPC " + s.hpc + ": golden baseline taken from challenge "
                            + Long.toUnsignedString(id) + " (" + yes.body().getResultsCount() + " results)", "challenge=" + Long.toUnsignedString(id));
                    verdict = appraiser.appraise(s.hpc, challenge, yes.body(), g, s.task);
                } else {
                    Findings f = new Findings(s.hpc, policy.get());
                    f.add("baseline", "baseline.invalid", "a baseline fit to compare with", problems.size() + " problem(s)",
                            "the baseline answer to challenge " + Long.toUnsignedString(id) + " was not taken: " + String.join("; ", problems));
                    verdict = new Verdict(s.hpc, id, f.list());
                }
            } else if (s.golden() == null) {
                Findings f = new Findings(s.hpc, policy.get());
                f.add("baseline", "baseline.invalid", "a baseline", "none", "challenge " + Long.toUnsignedString(id)
                        + " was answered before any baseline was taken");
                verdict = new Verdict(s.hpc, id, f.list());
            } else {
                verdict = appraiser.appraise(s.hpc, challenge, yes.body(), s.golden(), s.task);
            }
            relay = relays.remove(id);
            golden = s.phase instanceof HpcSession.Attested a ? a.signed() : Optional.empty();
        }
        Duration took = Duration.between(sentAt, clock.instant());
        answerTimer.record(took);
        for (var l : answerListeners) {
            l.accept(verdict, took);
        }
        conclude(verdict);
        if (taken != null) {
            baselineCurrent(taken);
        }
        if (relay != null) {
            relay.complete(new Relayed(challenge, evidence, cert, verdict, golden));
        }
    }

    private void refuse(HpcSession s, AgentLink link, EvidenceAdmission.Refused no) {
        registry.counter("attest.evidence.refused", "reason", no.eventId()).increment();
        Findings f = new Findings(s.hpc, policy.get());
        f.add("evidence", no.eventId(), "", "", no.why());
        Verdict v = new Verdict(s.hpc, 0, f.list());
        LOG.warn("HPC {}: evidence from {} refused: {}", s.hpc, link.peer(), org.leo.attest.appraise.Printable.of(no.why(), 512));
        link.close(Status.fromCode(no.code()).withDescription(no.why()));
        timers.execute(() -> conclude(v));
    }

    /** Issues the next challenge now (a baseline until one is taken); sends it if a stream is open. Caller holds the monitor. */
    private void issue(HpcSession s) {
        if (s.outstanding.size() >= HpcSession.MAX_OUTSTANDING) {
            return; // offline for long: the silence timer speaks for it
        }
        Golden golden = s.golden();
        Challenge c = golden == null ? factory.baseline() : factory.random(golden, s.task instanceof TaskExpectation.Running);
        if (golden == null && s.phase instanceof HpcSession.Baselining b) {
            s.phase = new HpcSession.Baselining(b.baselinesIssued() + 1);
        }
        send(s, c, golden == null);
    }

    /** Registers {@code c} as outstanding (its deadline starts now) and sends it if a stream is open; caller holds the monitor. */
    private void send(HpcSession s, Challenge c, boolean baseline) {
        Instant now = clock.instant();
        Duration allowed = Duration.ofMillis(c.getDeadlineMillis()).plus(DEADLINE_MARGIN);
        var timeout = timers.schedule(() -> missed(s, c.getChallengeId()), allowed.toMillis(), TimeUnit.MILLISECONDS);
        s.outstanding.put(c.getChallengeId(), new Outstanding(c, now, now.plus(allowed), baseline, timeout));
        s.challengesSent++;
        registry.counter("attest.challenges.sent").increment();
        AgentLink link = s.link();
        if (link != null) {
            link.send(c);
        }
    }

    private void missed(HpcSession s, long id) {
        Verdict v;
        synchronized (s) {
            Outstanding o = s.outstanding.remove(id);
            if (o == null || s.ended) {
                return;
            }
            Findings f = new Findings(s.hpc, policy.get());
            f.add("agent", "challenge.missed", "an answer by " + o.deadline(), "none",
                    "no answer to " + (o.baseline() ? "baseline " : "") + "challenge " + Long.toUnsignedString(id) + " (issued " + o.sentAt()
                            + ", " + o.challenge().getChecksCount() + " checks) by its deadline " + o.deadline()
                            + (s.link() == null ? "; the HPC has no open stream" : ""));
            v = new Verdict(s.hpc, id, f.list());
            liveness.unresponsive(s, o.deadline());
        }
        CompletableFuture<Relayed> relay = relays.remove(id);
        if (relay != null) {
            relay.completeExceptionally(new IllegalStateException("HPC " + s.hpc + " did not answer challenge " + id + " in time"));
        }
        conclude(v);
    }

    private void scheduleNext(HpcSession s) {
        if (s.nextChallenge != null) {
            s.nextChallenge.cancel(false);
        }
        Duration d = interarrival.next();
        s.nextChallenge = timers.schedule(() -> fire(s), d.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void fire(HpcSession s) {
        synchronized (s) {
            s.nextChallenge = null;
            if (s.ended) {
                return;
            }
            issue(s); // online or not: the schedule belongs to the HPC, not to its stream
            scheduleNext(s);
        }
    }

    /**
     * Relays an external verifier's nonce to {@code hpc} as a full challenge; completes with the
     * signed evidence and its verdict (the consensus service adds the Pi's TPM quote over the log head).
     */
    public CompletableFuture<Relayed> relay(String hpc, byte[] externalNonce) {
        if (externalNonce.length < 16 || externalNonce.length > 64) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("an external nonce must be 16 to 64 bytes, got " + externalNonce.length));
        }
        HpcSession s = sessions.get(hpc);
        if (s == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " is not attested here"));
        }
        CompletableFuture<Relayed> done = new CompletableFuture<>();
        synchronized (s) {
            if (s.link() == null || s.golden() == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " has no open, baselined stream"));
            }
            Challenge c = factory.relayed(externalNonce);
            relays.put(c.getChallengeId(), done);
            send(s, c, false);
        }
        return done;
    }

    /**
     * What {@code hpc}'s current boot should run from now on (docs/tasks.md "Task checks during the run"): the task of one
     * image while it runs, none before and after. Answers appraised from now on are appraised against it; a new boot starts
     * with none. False if the HPC has no session here.
     */
    public boolean expectTask(String hpc, TaskExpectation task) {
        HpcSession s = sessions.get(hpc);
        if (s == null) {
            return false;
        }
        synchronized (s) {
            s.task = java.util.Objects.requireNonNull(task, "task");
        }
        LOG.info("HPC {}: task expectation now {}", hpc, task);
        return true;
    }

    /** What the Pi expects {@code hpc}'s task engine to hold, if the HPC has a session here. */
    public Optional<TaskExpectation> taskExpectation(String hpc) {
        HpcSession s = sessions.get(hpc);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (s) {
            return Optional.of(s.task);
        }
    }

    /**
     * Ends the attestation of {@code hpc}'s current boot (its certificates were revoked): its stream is closed with
     * {@code why} and its session forgotten, without a drop finding. It is attested again only after a new boot enrolls.
     */
    public void retire(String hpc, String why) {
        HpcSession s = sessions.remove(hpc);
        certificates.remove(hpc);
        if (s == null) {
            return;
        }
        synchronized (s) {
            s.end();
            AgentLink link = s.link();
            if (link != null) {
                link.close(Status.PERMISSION_DENIED.withDescription(why));
            }
        }
        LOG.info("HPC {}: attestation of boot {} ended: {}", hpc, Findings.shortHex(s.bootNonce), why);
    }

    /** A snapshot for the dashboard and tests. */
    public Optional<HpcStatus> status(String hpc) {
        HpcSession s = sessions.get(hpc);
        if (s == null) {
            return Optional.empty();
        }
        synchronized (s) {
            return Optional.of(new HpcStatus(hpc, s.link() != null, s.golden() != null, s.challengesSent, s.verdicts, s.findings,
                    s.outstanding.size(), s.lastVerdictAt, s.lastVerdict, s.worst));
        }
    }

    /**
     * A finding about {@code hpc} outside any session's answer: a refused stream, or what the Pi saw the HPC do on the
     * network (its gateway blocked an attempt to reach elsewhere). A verdict of its own, logged and acted on as any
     * other; {@code id} must be in {@link org.leo.attest.appraise.FindingIds}.
     */
    public void finding(String hpc, String component, String id, String expected, String got, String what) {
        Findings f = new Findings(hpc, policy.get());
        f.add(component, id, expected, got, what);
        conclude(new Verdict(hpc, 0, f.list()));
    }

    private void conclude(Verdict v) {
        HpcSession s = sessions.get(v.hpc());
        if (s != null) {
            synchronized (s) {
                s.verdicts++;
                s.findings += v.findings().size();
                if (v.severity().compareTo(s.worst) > 0) {
                    s.worst = v.severity();
                }
                s.lastVerdictAt = clock.instant();
                s.lastVerdict = v.sentence();
            }
        }
        sink.conclude(v);
    }

    @Override
    public void close() {
        timers.shutdownNow();
        sink.close();
        sessions.values().forEach(s -> {
            synchronized (s) {
                s.end();
            }
        });
    }
}
