package org.leo.consensus.fleet;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.quorum.VoteVerifier;
import org.leo.consensus.task.TaskRound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rounds of the HPCs this Pi serves: for each open round, who has challenged (once per member;
 * never this Pi itself, which does not judge its own HPC) and its {@link QuorumCollector} over
 * {@link LedgerVotes}. A scheduled round opens with its first challenge or verdict, if its ledger head is one
 * of the ledger's last {@value FleetLedger#RECENT_HEADS} and its HPC is served here, and while fewer
 * than {@code maxOpen} rounds are open. It closes when UNTRUSTED reaches its threshold (final at
 * once) or at its deadline ({@link #closeDue}) or when asked ({@link #close}); closing appends the
 * certificate, if the counted verdicts form one, and every equivocation found to the ledger. A
 * closed round answers ROUND_CLOSED; the last {@value #CLOSED_KEPT} closed rounds are remembered.
 *
 * <p><b>Task rounds</b> ({@link TaskRound}: a number with bit 62 set) open only through {@link #openTask},
 * which the executor's Pi calls ({@link TaskRounds}), with the task's monitors as committee
 * ({@link TaskCommittee}); a challenge or a verdict never opens one (TASK_ROUND_NOT_OPEN), whatever the
 * schedule, so nobody can take a task round's (HPC, round number) slot on the ledger with another
 * committee. Once open, a task round is collected, closed, recorded and journaled as any round; after a
 * restart its committee is read from the ledger again (the group entry at the round's head).
 *
 * <p><b>What survives a kill -9.</b> With a {@link RoundJournal}, a round's opening (with its
 * deadline) and each verdict that changed its collector (counted, or the second verdict of an
 * equivocation) are on disk before the answer goes out, so no verdict answered {@code counted=true}
 * is lost; closing is journaled too. A Rounds made over the same journal restores itself: each open
 * round gets a fresh collector into which its journaled verdicts are offered again in their order
 * (checked again, they count again: same votes, same outcome) and keeps its deadline, so a round
 * whose deadline passed meanwhile, or whose UNTRUSTED votes were already final, closes at the next
 * {@link #closeDue}; each closed round is closed again and answers ROUND_CLOSED (its certificate is
 * read from the ledger when first asked). Who challenged is not journaled: after a restart a member
 * may challenge a round once more. A journal write that fails refuses what it was for
 * (JOURNAL_FAILED): the round does not open, or the verdict is not counted (the collector is rebuilt
 * from the verdicts journaled).
 *
 * <p><b>When the ledger fails at close</b> ({@link RoundRecorder} says it in full): a certificate
 * the ledger refuses (a rule) closes its round without an entry, logged with the reason; a ledger
 * that cannot be reached keeps the round open, answering ROUND_CLOSED to further verdicts and
 * challenges, and {@link #closeDue} tries again with a growing wait, {@value RoundRecorder#CLOSE_ATTEMPTS}
 * attempts in all, then closes it without an entry, logged as an error. A certificate that reached
 * the ledger before a failure or a crash is found there, not appended twice. A sweep never throws.
 */
public final class Rounds {
    private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);
    static final int CLOSED_KEPT = 4096;

    /** A refusal: a reason code (a FleetRefusal's or a QuorumCollector.Reason's name) and a sentence. */
    public record Refused(String reason, String message) { }

    /** What became of a closed round: its certificate and ledger entry, if it had one. */
    public record Closed(Optional<QuorumCertificate> certificate, Optional<LedgerEntry> entry) { }

    private static final Closed NOTHING = new Closed(Optional.empty(), Optional.empty());

    /**
     * What the Verdict rpc answers: counted, or refused (a collector's or the fleet's reason); the
     * round's certificate as the counted verdicts decide it now, and its ledger entry once recorded.
     */
    public record Offer(boolean counted, Optional<Refused> refused, Optional<QuorumCertificate> certificate, Optional<LedgerEntry> recorded) {
        static Offer refused(String reason, String message) {
            return new Offer(false, Optional.of(new Refused(reason, message)), Optional.empty(), Optional.empty());
        }
    }

    /** A closed round as remembered; one restored from the journal knows its certificate's ledger seq and reads it when first asked. */
    private static final class Done {
        Closed closed;
        final OptionalLong seq;

        Done(Closed closed, OptionalLong seq) {
            this.closed = closed;
            this.seq = seq;
        }
    }

    private final byte[] self;
    private final FleetLedger ledger;
    private final RoundCommittee votes;
    private final RelayPort relay;
    private final Duration deadline;
    private final int maxOpen;
    private final Clock clock;
    private final Optional<RoundJournal> journal;
    private final RoundRecorder recorder;
    private final Map<RoundId, OpenRound> open = new LinkedHashMap<>();
    private final Map<RoundId, Done> closed = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundId, Done> eldest) {
            return size() > CLOSED_KEPT;
        }
    };

    private Optional<ScheduledRounds> schedule = Optional.empty();
    /** When each round this run opened did open: what the certificate latency is measured from. */
    private final Map<RoundId, Instant> openedAt = new java.util.HashMap<>();

    /**
     * Measures from now on how long a round takes from opening to its certificate on the ledger
     * ({@code consensus.certificate.latency}, tagged with the outcome).
     */
    public synchronized void measure(io.micrometer.core.instrument.MeterRegistry registry) {
        this.registry = registry;
    }

    private io.micrometer.core.instrument.MeterRegistry registry;

    /** {@code self}: this Pi's member key; it serves the HPCs and judges none of them. Without a journal: rounds live in memory only. */
    public Rounds(byte[] self, FleetLedger ledger, RoundCommittee votes, RelayPort relay, Duration deadline, int maxOpen, Clock clock) {
        this(self, ledger, votes, relay, deadline, maxOpen, clock, Optional.empty());
    }

    /** With a {@code journal}: the rounds it holds are restored now, and every change is journaled from here on. */
    public Rounds(byte[] self, FleetLedger ledger, RoundCommittee votes, RelayPort relay, Duration deadline, int maxOpen, Clock clock,
                  Optional<RoundJournal> journal) {
        this.self = self.clone();
        this.ledger = ledger;
        this.votes = votes;
        this.relay = relay;
        this.deadline = deadline;
        this.maxOpen = maxOpen;
        this.clock = clock;
        this.journal = journal;
        this.recorder = new RoundRecorder(ledger, journal, clock);
        journal.ifPresent(this::restore);
    }

    /**
     * From now on only the schedule's current round opens, at the head this Pi read at its start ({@link RoundSchedule}
     * calls {@link #roundStarted}): without it a member could draw its votes at whichever of the last
     * {@value FleetLedger#RECENT_HEADS} heads gives it the most (grinding), and open old or future rounds.
     */
    public synchronized void followSchedule(Duration period) {
        this.schedule = Optional.of(new ScheduledRounds(period, deadline));
    }

    /** The schedule's round {@code k} started here with the ledger at {@code head}. */
    public synchronized void roundStarted(long k, byte[] head) {
        schedule.ifPresent(s -> s.started(k, head));
    }

    private void restore(RoundJournal j) {
        RoundJournal.Contents c = j.read();
        c.closed().forEach(r -> closed.put(r.id(), new Done(null, r.ledgerSeq())));
        for (RoundJournal.OpenRow o : c.open()) {
            Optional<RoundCommittee> committee = TaskCommittee.restored(ledger, o.id(), votes);
            if (committee.isEmpty()) {
                continue;
            }
            OpenRound r = new OpenRound(o.id(), o.deadline(), committee.get());
            r.closingFrom = o.closingFrom();
            o.verdicts().forEach(r::replay);
            open.put(o.id(), r);
            LOG.info("consensus: {} restored from the round journal: {} vote(s) counted, closes at {}", o.id(), r.collector().votes(), r.deadline);
        }
    }

    /**
     * Opens task round {@code id} with its task's monitors as committee ({@link TaskRounds} checked that this Pi's member is the
     * task's executor): from now until it closes, challenges and verdicts of the monitors are taken for it. Empty if it opened
     * (or was open already), else why not (ROUND_CLOSED, UNKNOWN_ROUND, TOO_MANY_ROUNDS, JOURNAL_FAILED).
     */
    public synchronized Optional<Refused> openTask(RoundId id, TaskCommittee committee) {
        if (!TaskRound.isTaskRound(id.round())) {
            return Optional.of(new Refused(FleetRefusal.NOT_A_TASK_ROUND.name(), id + ": " + FleetRefusal.NOT_A_TASK_ROUND.sentence()));
        }
        if (open.containsKey(id)) {
            return Optional.empty();
        }
        try {
            opening(id, committee);
            return Optional.empty();
        } catch (RefusedException e) {
            return Optional.of(e.refused());
        }
    }

    private void journal(Consumer<RoundJournal> write) throws RefusedException {
        try {
            journal.ifPresent(write);
        } catch (IllegalStateException e) {
            LOG.error("consensus: {}", e.getMessage());
            throw new RefusedException(FleetRefusal.JOURNAL_FAILED.name(), FleetRefusal.JOURNAL_FAILED.sentence());
        }
    }

    private OpenRound round(RoundId id) throws RefusedException {
        OpenRound r = open.get(id);
        if (r != null) {
            return r;
        }
        if (closed.containsKey(id)) {
            throw new RefusedException(FleetRefusal.ROUND_CLOSED.name(), id + " is closed");
        }
        if (TaskRound.isTaskRound(id.round())) { // only the executor's Pi opens a task round (openTask), never a challenge or a verdict
            throw new RefusedException(FleetRefusal.TASK_ROUND_NOT_OPEN.name(), id + ": " + FleetRefusal.TASK_ROUND_NOT_OPEN.sentence());
        }
        if (!relay.serves(id.hpc()) || ledger.recent(id.ledgerHead()).isEmpty()) {
            throw new RefusedException(FleetRefusal.UNKNOWN_ROUND.name(), id + ": " + FleetRefusal.UNKNOWN_ROUND.sentence());
        }
        if (schedule.isPresent()) {
            Optional<String> why = schedule.get().problem(id, clock.instant(), () -> ledger.ledger().headHash());
            if (why.isPresent()) {
                throw new RefusedException(FleetRefusal.NOT_THIS_ROUND.name(), why.get());
            }
        }
        return opening(id, votes);
    }

    private OpenRound opening(RoundId id, RoundCommittee committee) throws RefusedException {
        if (closed.containsKey(id)) {
            throw new RefusedException(FleetRefusal.ROUND_CLOSED.name(), id + " is closed");
        }
        if (!relay.serves(id.hpc())) {
            throw new RefusedException(FleetRefusal.UNKNOWN_ROUND.name(), id + ": " + FleetRefusal.UNKNOWN_ROUND.sentence());
        }
        if (open.size() >= maxOpen) {
            throw new RefusedException(FleetRefusal.TOO_MANY_ROUNDS.name(), maxOpen + " rounds are open on this Pi");
        }
        Instant closes = clock.instant().plus(deadline);
        journal(j -> j.opened(id, closes));
        OpenRound r = new OpenRound(id, closes, committee);
        open.put(id, r);
        openedAt.put(id, clock.instant());
        LOG.info("consensus: {} opened, closes at {}", id, r.deadline);
        return r;
    }

    private static Refused closing(RoundId id) {
        return new Refused(FleetRefusal.ROUND_CLOSED.name(), id + " is closed (its certificate is not recorded yet)");
    }

    /** Admits a challenge by {@code member} if the round is open (or may open), the vote claim holds and it is the member's first. */
    public synchronized Optional<Refused> challenge(RoundId id, byte[] member, byte[] vrfProof, long claimedVotes) {
        if (Arrays.equals(member, self)) {
            return Optional.of(new Refused(FleetRefusal.OWN_HPC.name(), FleetRefusal.OWN_HPC.sentence()));
        }
        OpenRound r;
        try {
            r = round(id);
        } catch (RefusedException e) {
            return Optional.of(e.refused);
        }
        if (r.closing()) {
            return Optional.of(closing(id));
        }
        if (r.committee() instanceof TaskCommittee t && !t.isMonitor(HexFormat.of().formatHex(member))) {
            return Optional.of(new Refused(FleetRefusal.NOT_A_MONITOR.name(), "member " + HexFormat.of().formatHex(member)
                    + " is not a monitor of task #" + t.taskSeq()));
        }
        Optional<VoteVerifier.Refused> bad = r.committee().check(member, vrfProof, id, claimedVotes);
        if (bad.isPresent()) {
            return Optional.of(new Refused(bad.get().reason().name(), bad.get().getMessage()));
        }
        if (!r.challenged.add(HexFormat.of().formatHex(member))) {
            return Optional.of(new Refused(FleetRefusal.REPEATED_CHALLENGE.name(), "member " + HexFormat.of().formatHex(member)
                    + " already challenged the HPC in " + id));
        }
        return Optional.empty();
    }

    /**
     * Offers a verdict's wire form (checked against the caps by the caller) to its round; a closed round answers with its
     * certificate. A verdict that counts is journaled before this returns.
     */
    public synchronized Offer offer(byte[] encoded) {
        Verdict v;
        try {
            v = Verdict.decode(encoded);
        } catch (IllegalArgumentException e) {
            return Offer.refused(QuorumCollector.Reason.MALFORMED.name(), e.getMessage());
        }
        if (Arrays.equals(v.member(), self)) {
            return Offer.refused(FleetRefusal.OWN_HPC.name(), FleetRefusal.OWN_HPC.sentence());
        }
        RoundId id = v.round();
        Done done = closed.get(id);
        if (done != null) {
            Closed c = read(id, done);
            return new Offer(false, Optional.of(new Refused(FleetRefusal.ROUND_CLOSED.name(), id + " is closed")), c.certificate(), c.entry());
        }
        OpenRound r;
        try {
            r = round(id);
        } catch (RefusedException e) {
            return new Offer(false, Optional.of(e.refused()), Optional.empty(), Optional.empty());
        }
        if (r.closing()) {
            return new Offer(false, Optional.of(closing(id)), r.collector().certificate(), Optional.empty());
        }
        int evidence = r.collector().equivocations().size();
        QuorumCollector.Admission a = r.collector().offer(encoded);
        if (a.counted() || r.collector().equivocations().size() > evidence) {
            byte[] kept = encoded.clone();
            try {
                journal(j -> j.verdict(id, kept));
                r.journaled(kept);
            } catch (RefusedException e) {
                r.rebuild();
                return new Offer(false, Optional.of(e.refused()), r.collector().certificate(), Optional.empty());
            }
        }
        Optional<QuorumCertificate> now = r.collector().certificate();
        Optional<LedgerEntry> recorded = r.collector().decidedUntrusted() ? close(r).flatMap(Closed::entry) : Optional.empty();
        return new Offer(a.counted(), a.refused().map(reason -> new Refused(reason.name(), a.message())), now, recorded);
    }

    /**
     * Closes {@code id} now: records its certificate, if any, and its equivocations. A round never opened is closed
     * (it cannot open later). An IllegalStateException if the ledger failed: the round stays open and {@link #closeDue}
     * tries again.
     */
    /** Whether round {@code id} is open here with every vote of its committee counted: no verdict can change it any more. */
    public synchronized boolean allVotesIn(RoundId id) {
        OpenRound r = open.get(id);
        return r != null && !r.closing() && r.collector().votes() >= r.committee().expectedCommitteeSize();
    }

    public synchronized Closed close(RoundId id) {
        Done done = closed.get(id);
        if (done != null) {
            return read(id, done);
        }
        OpenRound r = open.get(id);
        if (r == null) {
            return finish(id, null, Optional.empty(), Optional.empty());
        }
        return close(r).orElseThrow(() -> new IllegalStateException(id + " did not close: the ledger failed (the log says how);"
                + " the round stays open and is tried again"));
    }

    /** Closes every round that is due (its deadline passed, its UNTRUSTED votes final, or a failed close to retry); returns how many closed. */
    public synchronized int closeDue() {
        Instant now = clock.instant();
        int n = 0;
        for (OpenRound r : List.copyOf(open.values())) {
            try {
                if (r.due(now) && close(r).isPresent()) {
                    n++;
                }
            } catch (RuntimeException ex) {
                LOG.error("consensus: {}: closing failed unexpectedly", r.id, ex);
            }
        }
        return n;
    }

    /** Records {@code r} on the ledger and closes it; empty if the ledger failed and {@code r} stays open for another try. */
    private Optional<Closed> close(OpenRound r) {
        Optional<QuorumCertificate> cert = r.collector().certificate();
        RoundRecorder.Attempt a = recorder.record(r);
        return a.done() ? Optional.of(finish(r.id, r, cert, a.entry())) : Optional.empty();
    }

    /** {@code r} is null for a round that never opened. */
    private Closed finish(RoundId id, OpenRound r, Optional<QuorumCertificate> cert, Optional<LedgerEntry> entry) {
        open.remove(id);
        Instant opened = openedAt.remove(id);
        if (registry != null && opened != null && cert.isPresent() && entry.isPresent()) {
            io.micrometer.core.instrument.Timer.builder("consensus.certificate.latency")
                    .description("From a round's opening on this Pi to its quorum certificate on the ledger")
                    .tag("outcome", cert.get().outcome().name()).register(registry)
                    .record(java.time.Duration.between(opened, clock.instant()));
        }
        Closed c = new Closed(cert, entry);
        OptionalLong seq = entry.map(e -> OptionalLong.of(e.seq())).orElse(OptionalLong.empty());
        closed.put(id, new Done(c, seq));
        try {
            journal.ifPresent(j -> j.closed(id, seq));
        } catch (IllegalStateException e) {
            LOG.error("consensus: {} closed, but {}; after a restart it opens again, and its certificate, if recorded, is found on the ledger",
                    id, e.getMessage());
        }
        if (r != null) {
            LOG.info("consensus: {} closed: {}", id, cert.map(x -> x.outcome() + " with " + x.votes() + " vote(s), "
                    + entry.map(e -> "ledger entry #" + e.seq()).orElse("not recorded"))
                    .orElse("no certificate (" + r.collector().votes() + " vote(s) counted)"));
        }
        return c;
    }

    /** A closed round's certificate and entry; read from the ledger the first time for a round restored from the journal. */
    private Closed read(RoundId id, Done d) {
        if (d.closed != null) {
            return d.closed;
        }
        if (d.seq.isEmpty()) {
            d.closed = NOTHING;
            return d.closed;
        }
        Optional<Closed> c = recorder.read(id, d.seq.getAsLong());
        c.ifPresent(x -> d.closed = x);
        return c.orElse(NOTHING);
    }

    /** The certificate recorded for a closed round, if any. */
    public synchronized Optional<Closed> closed(RoundId id) {
        return Optional.ofNullable(closed.get(id)).map(d -> read(id, d));
    }

    /** A refusal as an exception, out of {@link #round}. */
    private static final class RefusedException extends Exception {
        private final Refused refused;

        RefusedException(String reason, String message) {
            super(message);
            this.refused = new Refused(reason, message);
        }

        Refused refused() {
            return refused;
        }
    }
}
