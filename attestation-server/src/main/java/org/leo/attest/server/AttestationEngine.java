package org.leo.attest.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.appraise.Appraiser;
import org.leo.attest.appraise.Finding;
import org.leo.attest.appraise.Findings;
import org.leo.attest.appraise.Golden;
import org.leo.attest.appraise.Policy;
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
import org.leo.protocol.attest.v1.EvidenceBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attestation loop, free of gRPC: per HPC it schedules challenges at unpredictable times,
 * checks every answer (signature by the stream's certificate key, a challenge that is outstanding,
 * its nonce, a rising sequence), appraises it against the golden baseline, logs the verdict and its
 * findings and has the dispatcher act. A challenge not answered by its deadline, or a stream not
 * re-opened within the grace period, is a finding too.
 */
public final class AttestationEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttestationEngine.class);
    /** Transit allowance on top of a challenge's deadline before the server calls it missed. */
    static final Duration DEADLINE_MARGIN = Duration.ofSeconds(2);

    /** An answer relayed to an external verifier: the challenge, the signed evidence and its verdict. */
    public record Relayed(Challenge challenge, Evidence evidence, X509Certificate agentCertificate, Verdict verdict) { }

    private final Policy policy;
    private final AttestationLog log;
    private final EnrollmentStore store;
    private final ActionDispatcher actions;
    private final Clock clock;
    private final ChallengeFactory factory;
    private final Interarrival interarrival;
    private final Appraiser appraiser;
    private final ScheduledExecutorService timers;
    private final MeterRegistry registry;
    private final Map<String, HpcState> states = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<Relayed>> relays = new ConcurrentHashMap<>();
    private final Map<String, X509Certificate> certificates = new ConcurrentHashMap<>();
    private final List<Consumer<Verdict>> verdictListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.BiConsumer<Verdict, Duration>> answerListeners = new CopyOnWriteArrayList<>();
    private final io.micrometer.core.instrument.Timer answerTimer;

    public AttestationEngine(Policy policy, AttestationLog log, EnrollmentStore store, ActionDispatcher actions, Clock clock,
                             MeterRegistry registry) {
        this.policy = policy;
        this.log = log;
        this.store = store;
        this.actions = actions;
        this.clock = clock;
        this.registry = registry;
        SecureRandom random = new SecureRandom();
        // Ids continue above any used before a restart: micro-seconds since the epoch at start.
        this.factory = new ChallengeFactory(policy, random, clock.millis() * 1000);
        this.interarrival = new Interarrival(random, policy.meanInterval(), policy.minInterval(), policy.maxInterval());
        this.appraiser = new Appraiser(policy);
        this.answerTimer = io.micrometer.core.instrument.Timer.builder("attest.challenge_to_verdict")
                .description("from sending a challenge to its verdict (answer, signature check, appraisal)")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "attest-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Called for every verdict, after it is logged (tests, dashboard, benchmarks). */
    public void onVerdict(Consumer<Verdict> listener) {
        verdictListeners.add(listener);
    }

    /** Called for every answered challenge with the time from sending it to its verdict (the capacity benchmark). */
    public void onAnswer(java.util.function.BiConsumer<Verdict, Duration> listener) {
        answerListeners.add(listener);
    }

    /** A stream opened on {@code cert} (already checked by TLS: our CA, unexpired, unrevoked). */
    public void open(X509Certificate cert, AgentLink link) {
        String hpc = Enroller.hpcOf(cert);
        String serial = cert.getSerialNumber().toString(16);
        Optional<String> boot;
        try {
            boot = store.bootOfCertificate(serial);
        } catch (SQLException e) {
            link.close(Status.UNAVAILABLE.withDescription("enrollment store: " + e.getMessage()));
            return;
        }
        if (boot.isEmpty()) {
            link.close(Status.PERMISSION_DENIED.withDescription("certificate " + serial + " was not issued by this server's enrollment"));
            return;
        }
        HpcState st = states.computeIfAbsent(hpc, HpcState::new);
        certificates.put(hpc, cert);
        synchronized (st) {
            if (!boot.get().equals(st.bootNonce)) { // a new boot: forget the previous one
                st.outstanding.values().forEach(o -> o.timeout().cancel(false));
                st.outstanding.clear();
                st.lastSequence = -1;
                st.bootNonce = boot.get();
                try {
                    st.golden = store.golden(hpc).filter(g -> g.bootNonce().equals(st.bootNonce)).orElse(null);
                } catch (SQLException e) {
                    st.golden = null;
                }
            }
            AgentLink previous = st.link;
            st.link = link;
            if (previous != null && previous != link) {
                LOG.info("HPC {}: new stream from {} replaces the one from {}", hpc, link.peer(), previous.peer());
                previous.close(Status.ALREADY_EXISTS.withDescription("replaced by a newer stream of the same HPC"));
            }
            try {
                st.key = EvidenceSignature.verifierKey(cert.getPublicKey());
            } catch (java.security.GeneralSecurityException e) {
                st.key = cert.getPublicKey();
            }
            st.certificateSerial = serial;
            if (st.dropTimer != null) {
                st.dropTimer.cancel(false);
                st.dropTimer = null;
            }
            if (st.dropReported) {
                logEntry(hpc, LogEntry.Kind.FINDING, "info", "stream.restored", "HPC " + hpc + ": attestation stream re-opened from " + link.peer(), "");
            }
            st.disconnectedAt = null;
            st.dropReported = false;
            LOG.info("HPC {}: attestation stream open from {} (certificate {})", hpc, link.peer(), serial);
            for (Outstanding o : st.outstanding.values()) { // a quick reconnect may still answer them
                link.send(o.challenge());
            }
            if (st.golden == null) {
                if (st.outstanding.values().stream().noneMatch(Outstanding::baseline)) {
                    send(st, factory.baseline(), true);
                }
            } else {
                scheduleNext(st);
            }
        }
    }

    /** The stream {@code link} of {@code cert} ended ({@code cause} may be null for a clean close). */
    public void closed(X509Certificate cert, AgentLink link, Throwable cause) {
        HpcState st = states.get(Enroller.hpcOf(cert));
        if (st == null) {
            return;
        }
        synchronized (st) {
            if (st.link != link) {
                return; // a replaced stream
            }
            st.link = null;
            st.disconnectedAt = clock.instant();
            if (st.nextChallenge != null) {
                st.nextChallenge.cancel(false);
                st.nextChallenge = null;
            }
            String why = cause == null ? "closed by the agent" : Status.fromThrowable(cause).toString();
            LOG.info("HPC {}: attestation stream from {} ended: {}", st.hpc, link.peer(), why);
            if (timers.isShutdown()) {
                return; // the server is stopping: a stream it cancels itself is not a drop
            }
            Duration grace = policy.streamGrace();
            st.dropTimer = timers.schedule(() -> dropped(st, link.peer(), why), grace.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void dropped(HpcState st, String peer, String why) {
        Verdict v;
        synchronized (st) {
            if (st.link != null || st.dropReported) {
                return;
            }
            st.dropReported = true;
            Findings f = new Findings(st.hpc, policy);
            f.add("stream", "stream.dropped", "an open attestation stream", "none since " + st.disconnectedAt,
                    "attestation stream from " + peer + " dropped at " + st.disconnectedAt + " (" + why
                            + ") and was not re-opened within " + policy.streamGrace().toSeconds() + " s");
            v = new Verdict(st.hpc, 0, f.list());
        }
        conclude(v);
    }

    /** Evidence arrived on {@code link}. Refused evidence closes the stream with a status saying why. */
    public void evidence(X509Certificate cert, AgentLink link, Evidence evidence) {
        HpcState st = states.get(Enroller.hpcOf(cert));
        if (st == null) {
            link.close(Status.FAILED_PRECONDITION.withDescription("no stream is open for this certificate"));
            return;
        }
        Verdict verdict;
        CompletableFuture<Relayed> relay;
        Challenge challenge;
        Instant sentAt;
        synchronized (st) {
            if (st.link != link) {
                link.close(Status.ALREADY_EXISTS.withDescription("this stream was replaced by a newer one"));
                return;
            }
            registry.counter("attest.evidence.received").increment();
            byte[] bodyBytes = evidence.getBody().toByteArray();
            if (!EvidenceSignature.verify(st.key, bodyBytes, evidence.getSignature().toByteArray())) {
                refuse(st, link, "evidence.bad_signature", Status.PERMISSION_DENIED,
                        "evidence signature does not verify with the key of certificate " + st.certificateSerial);
                return;
            }
            EvidenceBody body;
            try {
                body = EvidenceBody.parseFrom(bodyBytes);
            } catch (InvalidProtocolBufferException e) {
                refuse(st, link, "evidence.malformed", Status.INVALID_ARGUMENT, "evidence body is not an EvidenceBody: " + e.getMessage());
                return;
            }
            Optional<String> limit = Limits.problem(body);
            if (limit.isPresent()) {
                refuse(st, link, "evidence.oversized", Status.INVALID_ARGUMENT, limit.get());
                return;
            }
            long id = body.getChallengeId();
            Outstanding out = st.outstanding.get(id);
            if (out == null) {
                Instant answeredAt = st.answered.get(id);
                if (answeredAt != null) {
                    refuse(st, link, "evidence.replayed", Status.PERMISSION_DENIED,
                            "evidence for challenge " + id + " was already received at " + answeredAt + " (replay)");
                } else {
                    refuse(st, link, "evidence.stale", Status.PERMISSION_DENIED,
                            "evidence for challenge " + id + ", which is not outstanding (unknown or past its deadline)");
                }
                return;
            }
            if (!out.challenge().getNonce().equals(body.getNonce())) {
                HexFormat hex = HexFormat.of();
                refuse(st, link, "evidence.wrong_nonce", Status.PERMISSION_DENIED, "evidence for challenge " + id + " carries nonce "
                        + Findings.shortHex(hex.formatHex(body.getNonce().toByteArray())) + ", the challenge's nonce is "
                        + Findings.shortHex(hex.formatHex(out.challenge().getNonce().toByteArray())));
                return;
            }
            if (body.getSequence() <= st.lastSequence) {
                refuse(st, link, "evidence.replayed", Status.PERMISSION_DENIED, "evidence sequence " + body.getSequence()
                        + " is not above the last one seen, " + st.lastSequence + " (replay)");
                return;
            }
            st.outstanding.remove(id);
            out.timeout().cancel(false);
            st.answered.put(id, clock.instant());
            st.lastSequence = body.getSequence();
            challenge = out.challenge();
            sentAt = out.sentAt();
            if (out.baseline()) {
                Golden g = new Golden(st.hpc, st.bootNonce, body);
                try {
                    store.saveGolden(g);
                } catch (SQLException e) {
                    LOG.error("HPC {}: golden baseline not saved: {}", st.hpc, e.getMessage());
                }
                st.golden = g;
                verdict = appraiser.appraise(st.hpc, challenge, body, g);
                logEntry(st.hpc, LogEntry.Kind.VERDICT, "info", "baseline.taken", "HPC " + st.hpc + ": golden baseline taken from challenge "
                        + id + " (" + body.getResultsCount() + " results)", "challenge=" + id);
                scheduleNext(st);
            } else {
                verdict = appraiser.appraise(st.hpc, challenge, body, st.golden);
            }
            relay = relays.remove(id);
        }
        Duration took = Duration.between(sentAt, clock.instant());
        answerTimer.record(took);
        for (var l : answerListeners) {
            l.accept(verdict, took);
        }
        conclude(verdict);
        if (relay != null) {
            relay.complete(new Relayed(challenge, evidence, cert, verdict));
        }
    }

    private void refuse(HpcState st, AgentLink link, String eventId, Status status, String why) {
        registry.counter("attest.evidence.refused", "reason", eventId).increment();
        Findings f = new Findings(st.hpc, policy);
        f.add("evidence", eventId, "", "", why);
        Verdict v = new Verdict(st.hpc, 0, f.list());
        LOG.warn("HPC {}: evidence from {} refused: {}", st.hpc, link.peer(), why);
        link.close(status.withDescription(why));
        timers.execute(() -> conclude(v));
    }

    /** Sends a challenge now; caller holds the monitor of {@code st}. */
    private void send(HpcState st, Challenge c, boolean baseline) {
        Instant now = clock.instant();
        Duration allowed = Duration.ofMillis(c.getDeadlineMillis()).plus(DEADLINE_MARGIN);
        var timeout = timers.schedule(() -> missed(st, c.getChallengeId()), allowed.toMillis(), TimeUnit.MILLISECONDS);
        st.outstanding.put(c.getChallengeId(), new Outstanding(c, now, now.plus(allowed), baseline, timeout));
        st.challengesSent++;
        registry.counter("attest.challenges.sent").increment();
        if (st.link != null) {
            st.link.send(c);
        }
    }

    private void missed(HpcState st, long id) {
        Verdict v;
        synchronized (st) {
            Outstanding o = st.outstanding.remove(id);
            if (o == null) {
                return;
            }
            Findings f = new Findings(st.hpc, policy);
            f.add("agent", "challenge.missed", "an answer by " + o.deadline(), "none",
                    "no answer to challenge " + id + " (sent " + o.sentAt() + ", " + o.challenge().getChecksCount()
                            + " checks) by its deadline " + o.deadline() + (st.link == null ? "; the HPC has no open stream" : ""));
            v = new Verdict(st.hpc, id, f.list());
            if (st.golden != null && st.link != null && st.nextChallenge == null) {
                scheduleNext(st);
            }
        }
        CompletableFuture<Relayed> relay = relays.remove(id);
        if (relay != null) {
            relay.completeExceptionally(new IllegalStateException("HPC " + st.hpc + " did not answer challenge " + id + " in time"));
        }
        conclude(v);
    }

    private void scheduleNext(HpcState st) {
        if (st.nextChallenge != null) {
            st.nextChallenge.cancel(false);
        }
        Duration d = interarrival.next();
        st.nextChallenge = timers.schedule(() -> fire(st), d.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void fire(HpcState st) {
        synchronized (st) {
            st.nextChallenge = null;
            if (st.link == null || st.golden == null) {
                return; // offline: the drop timer reports it; a reconnect reschedules
            }
            send(st, factory.random(st.golden), false);
            scheduleNext(st);
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
        HpcState st = states.get(hpc);
        if (st == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " is not attested here"));
        }
        CompletableFuture<Relayed> done = new CompletableFuture<>();
        synchronized (st) {
            if (st.link == null || st.golden == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " has no open, baselined stream"));
            }
            Challenge c = factory.relayed(externalNonce);
            relays.put(c.getChallengeId(), done);
            send(st, c, false);
        }
        return done;
    }

    /** A snapshot for the dashboard and tests. */
    public Optional<HpcStatus> status(String hpc) {
        HpcState st = states.get(hpc);
        if (st == null) {
            return Optional.empty();
        }
        synchronized (st) {
            return Optional.of(new HpcStatus(hpc, st.link != null, st.golden != null, st.challengesSent, st.verdicts, st.findings,
                    st.outstanding.size(), st.lastVerdictAt, st.lastVerdict));
        }
    }

    private void conclude(Verdict v) {
        HpcState st = states.get(v.hpc());
        if (st != null) {
            synchronized (st) {
                st.verdicts++;
                st.findings += v.findings().size();
                st.lastVerdictAt = clock.instant();
                st.lastVerdict = v.sentence();
            }
        }
        registry.counter("attest.verdicts", "severity", v.clean() ? "clean" : v.severity().lower()).increment();
        if (v.clean()) {
            if (LOG.isDebugEnabled()) {
                LOG.debug("{}", v.sentence());
            }
        } else {
            LOG.warn("{}", v.sentence());
        }
        logEntry(v.hpc(), LogEntry.Kind.VERDICT, v.clean() ? "info" : v.severity().lower(),
                v.clean() ? "verdict.clean" : "verdict.findings", v.sentence(), "challenge=" + v.challengeId() + "\nfindings=" + v.findings().size());
        for (Finding f : v.findings()) {
            logEntry(v.hpc(), LogEntry.Kind.FINDING, f.severity().lower(), f.eventId(), f.sentence(), f.detail());
        }
        actions.act(v);
        verdictListeners.forEach(l -> l.accept(v));
    }

    private void logEntry(String hpc, LogEntry.Kind kind, String severity, String eventId, String message, String detail) {
        log.append(new LogEntry(clock.instant(), hpc, kind, severity, eventId, message, detail))
                .exceptionally(e -> {
                    LOG.error("attestation log: {} about {} not recorded: {}", eventId, hpc, e.getMessage());
                    return null;
                });
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}
