package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmException;

/**
 * The consensus service of one Pi: its member keys, the ledger, the static peer list, its Fleet
 * port ({@link FleetServer}) and, on a Pi that serves HPCs, a {@link RelayPort} and the
 * {@link Rounds} of those HPCs. As a verifier it takes part in a round ({@link #takePart}): it draws
 * its votes from the round's ledger head, and if selected challenges the HPC through the HPC's Pi
 * with its own nonce, checks the answer itself ({@link AnswerCheck}), signs a verdict and offers it to
 * the HPC's Pi, which records the certificate on the ledger.
 */
public final class ConsensusNode implements AutoCloseable {
    /** How often the HPC's Pi closes rounds whose deadline passed. */
    static final Duration SWEEP = Duration.ofMillis(200);

    private final FleetConfig config;
    private final MemberKeys keys;
    private final FleetLedger ledger;
    private volatile PeerList peers;
    private final Refusals refusals;
    private final MemberCertificate.Identity identity;
    private final MemberAdmission admission;
    private final Optional<RoundJournal> journal;
    /** Beside the round journal: the boots this Pi appraised TRUSTED as a task's monitor ({@link AttestedBoots}). */
    static final String ATTESTED_BOOTS = "attested-boots.txt";
    private final AttestedBoots attestedBoots;
    private final Rounds rounds;
    private final TaskAppraisal taskAppraisal;
    private final TaskMonitor monitor;
    private final TaskRounds taskRounds;
    private final FleetServer server;
    private final FleetService service;
    private volatile TaskService tasks;
    private final Map<String, FleetClient> clients = new ConcurrentHashMap<>();
    private final ExecutorService work = Executors.newCachedThreadPool(r -> daemon(r, "consensus-round"));
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "consensus-sweep"));
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private ConsensusNode(FleetConfig config, MemberKeys keys, Ledger ledger, PeerList peers, Optional<RelayPort> relay, MeterRegistry registry,
                          Clock clock, Optional<Path> roundJournal) throws IOException {
        this.config = config;
        this.keys = keys;
        this.ledger = new FleetLedger(ledger);
        this.peers = peers;
        this.clock = clock;
        this.refusals = new Refusals(registry);
        this.identity = keys.tlsIdentity(clock.instant());
        this.admission = new MemberAdmission(this.ledger, () -> this.peers, config.startingCredit(), refusals);
        this.journal = relay.isPresent() ? openJournal(roundJournal) : Optional.empty();
        this.rounds = relay.map(r -> new Rounds(keys.member(), this.ledger, new LedgerVotes(this.ledger, config.expectedCommitteeSize()), r,
                config.roundOpen(), config.maxOpenRounds(), clock, journal)).orElse(null);
        if (this.rounds != null) {
            this.rounds.measure(registry);
        }
        this.attestedBoots = roundJournal.isPresent() ? AttestedBoots.open(roundJournal.get().resolveSibling(ATTESTED_BOOTS), TaskAppraisal.KEPT)
                : AttestedBoots.inMemory(TaskAppraisal.KEPT);
        this.taskAppraisal = new TaskAppraisal(this.ledger, config.verifierPolicy(), attestedBoots);
        this.monitor = new TaskMonitor(this, taskAppraisal, work);
        this.taskRounds = rounds == null ? null : new TaskRounds(this, rounds, config.roundDeadline());
        FleetTrust trust = FleetTrust.clients(m -> this.ledger.admitted(m) || this.peers.contains(m), refusals);
        this.service = new FleetService(admission, rounds, relay.orElse(null), monitor::noticed, refusals);
        this.server = FleetServer.start(config.bind(), identity, trust, service, refusals);
        if (rounds != null) {
            sweeper.scheduleWithFixedDelay(rounds::closeDue, SWEEP.toMillis(), SWEEP.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Starts the Pi's Fleet port; {@code relay} is present on a Pi that serves HPCs. */
    public static ConsensusNode start(FleetConfig config, MemberKeys keys, Ledger ledger, PeerList peers, Optional<RelayPort> relay,
                                      MeterRegistry registry, Clock clock) throws IOException {
        return new ConsensusNode(config, keys, ledger, peers, relay, registry, clock, Optional.empty());
    }

    /**
     * As {@link #start}, and on a Pi that serves HPCs its rounds are journaled in {@code roundJournal} (created if
     * missing): the rounds open there are restored, and no verdict answered counted is lost to a kill -9 ({@link Rounds}).
     */
    public static ConsensusNode start(FleetConfig config, MemberKeys keys, Ledger ledger, PeerList peers, Optional<RelayPort> relay,
                                      MeterRegistry registry, Clock clock, Path roundJournal) throws IOException {
        return new ConsensusNode(config, keys, ledger, peers, relay, registry, clock, Optional.of(roundJournal));
    }

    private static Optional<RoundJournal> openJournal(Optional<Path> file) throws IOException {
        if (file.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(RoundJournal.open(file.get()));
        } catch (SQLException e) {
            throw new IOException("round journal " + file.get() + ": " + e.getMessage(), e);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The static peer list as re-read (Ansible rewrote it); channels to peers whose entry changed are made anew. */
    public void usePeers(PeerList list) {
        this.peers = list;
        clients.entrySet().removeIf(e -> {
            boolean changed = list.member(e.getKey()).map(p -> !p.toLine().equals(e.getValue().peer().toLine())).orElse(true);
            if (changed) {
                e.getValue().channel().shutdown();
            }
            return changed;
        });
    }

    public PeerList peers() {
        return peers;
    }

    public int port() {
        return server.port();
    }

    public MemberKeys keys() {
        return keys;
    }

    public Refusals refusals() {
        return refusals;
    }

    public FleetLedger ledger() {
        return ledger;
    }

    public MemberCertificate.Identity identity() {
        return identity;
    }

    /** The first member of a fleet admits itself: its own join request, through the same checks as anyone's. */
    public MemberAdmission.Decision admitSelf(Tpm tpm) throws TpmException {
        return admission.admit(Join.request(keys, tpm), keys.member());
    }

    /** Asks {@code admitting} to admit this Pi, with a quote by {@code tpm}. */
    public JoinResponse join(PeerList.Peer admitting, Tpm tpm) throws TpmException {
        return client(admitting).join(Join.request(keys, tpm), config.roundDeadline());
    }

    /** The round {@code round} of {@code hpc} drawn from the ledger's current head. */
    public RoundId roundAtHead(MacAddress hpc, long round) {
        return new RoundId(ledger.ledger().headHash(), hpc, round);
    }

    /** This Pi follows the fleet's schedule: its HPCs' rounds open only as {@link ScheduledRounds} allows. */
    public void followSchedule(Duration period) {
        if (rounds != null) {
            rounds.followSchedule(period);
        }
    }

    /** The schedule's round {@code k} starts, with this Pi's ledger at {@code head}. */
    public void roundStarted(long k, byte[] head) {
        if (rounds != null) {
            rounds.roundStarted(k, head);
        }
    }

    /** This member's part in {@code round} (its own draw decides whether it has one). */
    public CompletableFuture<Participation> takePart(RoundId round) {
        return CompletableFuture.supplyAsync(() -> participate(round), work);
    }

    /**
     * On the executor's Pi: opens task round {@code round} of its HPC {@code hpc} and tells the task's monitors
     * ({@link TaskRounds#open}); an IllegalStateException with the reason if it may not open here.
     */
    public TaskRounds.Opened openTaskRound(org.leo.consensus.task.TaskRound round, MacAddress hpc) {
        if (taskRounds == null) {
            throw new IllegalStateException("this Pi serves no HPC and opens no task round");
        }
        return taskRounds.open(round, hpc);
    }

    /** On a monitor: its part in task round {@code round}, if the executor's Pi told it of the round and it took part. */
    public Optional<CompletableFuture<Participation>> taskPart(RoundId round) {
        return monitor.part(round);
    }

    /** On a monitor: what a CLEANUP round's evidence must also show ({@link CleanupEvidenceCheck}; {@link CleanupEvidenceCheck#TASK_STATE} by default). */
    public void useCleanupCheck(CleanupEvidenceCheck check) {
        taskAppraisal.useCleanupCheck(check);
    }

    Clock clock() {
        return clock;
    }

    /** Whether a round this Pi collects has every vote of its committee counted (the executor's coordinator closes it then). */
    boolean allVotesIn(RoundId round) {
        return rounds != null && rounds.allVotesIn(round);
    }

    /** Closes a round this Pi collects now (the deadline does it otherwise): its certificate is recorded, if it has one. */
    public Rounds.Closed closeRound(RoundId round) {
        if (rounds == null) {
            throw new IllegalStateException("this Pi serves no HPC and collects no rounds");
        }
        return rounds.close(round);
    }

    /**
     * This Pi takes part in trusted tasks from now on ({@link TaskService}): it claims the tasks it is drawn for, collects
     * the claims of its own tasks and records their groups, releases the keys it holds ({@code wrapped}, unwrapped by
     * {@code tpm}) to attested executors, and serves the capsules in {@code store}.
     */
    public synchronized TaskService serveTasks(TaskConfig taskConfig, Tpm tpm, WrappedKeys wrapped, CapsuleStore store) {
        if (tasks != null) {
            throw new IllegalStateException("this Pi serves tasks already");
        }
        return startTasks(taskConfig, tpm, wrapped, store);
    }

    private TaskService startTasks(TaskConfig taskConfig, Tpm tpm, WrappedKeys wrapped, CapsuleStore store) {
        TaskService t = new TaskService(keys, ledger, () -> this.peers, this::client, taskConfig, tpm, wrapped, store, clock, refusals, work);
        t.tick();
        tasks = t;
        service.useTasks(t);
        taskTicks = sweeper.scheduleWithFixedDelay(t::tick, taskConfig.poll().toMillis(), taskConfig.poll().toMillis(), TimeUnit.MILLISECONDS);
        return t;
    }

    private java.util.concurrent.ScheduledFuture<?> taskTicks;

    /**
     * This Pi fetches the results of its own tasks from now on (after {@link #serveTasks}; {@link OwnResults}): once a
     * task's TRUSTED clean-up certificate or settlement is on the ledger, from its executor's Pi into {@code dir}
     * ({@code DATA-DIR/results-received}), on {@code config}'s bounded schedule.
     */
    public synchronized OwnResults fetchOwnResults(OwnResults.Config config, Path dir) throws IOException {
        if (tasks == null) {
            throw new IllegalStateException("serveTasks first: the owner follows its tasks through the task service");
        }
        OwnResults r = new OwnResults(keys.member(), tasks::holdsKey, () -> this.peers, this::client, dir, config, clock, work);
        tasks.fetchOwnResults(r);
        return r;
    }

    /**
     * A restart of the task service as a restart of the Pi does it: everything it held in memory (claim windows and the
     * claims counted in them, the instants it saw entries) is lost, and a new one reads the ledger from the start (tests).
     */
    synchronized TaskService restartTasks(TaskConfig taskConfig, Tpm tpm, WrappedKeys wrapped, CapsuleStore store) {
        if (tasks == null) {
            throw new IllegalStateException("this Pi serves no tasks");
        }
        taskTicks.cancel(false);
        return startTasks(taskConfig, tpm, wrapped, store);
    }

    /**
     * This Pi executes the tasks its member is elected executor of from now on ({@link TaskExecutions}; after
     * {@link #serveTasks}): through {@code hpcs}, with its journal, images and results under {@code dataDir}, capsules from
     * {@code capsules} (a {@link PeerCapsuleStore}), and {@code settler} called at each clean-up certificate. Unfinished
     * tasks of the journal are resumed now.
     */
    public synchronized TaskExecutions executeTasks(org.leo.consensus.task.HpcTasks hpcs, org.leo.consensus.task.Settler settler,
                                                    TaskExecutions.Config executionConfig, Path dataDir, CapsuleStore capsules) throws IOException {
        if (tasks == null) {
            throw new IllegalStateException("serveTasks first: the executor follows the ledger through the task service");
        }
        if (executions != null) {
            throw new IllegalStateException("this Pi executes tasks already");
        }
        TaskExecutions e = new TaskExecutions(this, hpcs, settler, executionConfig, dataDir, capsules, service.relayed());
        executions = e;
        service.useExecutions(e);
        e.resume(); // the journal's unfinished tasks first: a group read so far then finds its task running or journaled
        tasks.onGroup(e);
        return e;
    }

    private volatile TaskExecutions executions;

    /**
     * A restart of the executor's coordinator as a restart of the Pi does it (tests): the running executions stop where
     * they are (their threads interrupted, nothing more written), the journal is closed, and a new coordinator over the
     * same data dir resumes the unfinished tasks of the journal.
     */
    synchronized TaskExecutions restartExecutions(org.leo.consensus.task.HpcTasks hpcs, org.leo.consensus.task.Settler settler,
                                                  TaskExecutions.Config executionConfig, Path dataDir, CapsuleStore capsules) throws IOException {
        TaskExecutions old = executions;
        executions = null;
        if (old != null) {
            old.close();
        }
        return executeTasks(hpcs, settler, executionConfig, dataDir, capsules);
    }

    /** The channel to {@code peer}, made once. */
    public FleetClient client(PeerList.Peer peer) {
        return clients.computeIfAbsent(peer.memberHex(), k -> new FleetClient(peer, identity, refusals));
    }

    private Participation participate(RoundId round) {
        // a round is drawn at a recent head: a bounded read; any older head (an audit) is searched for from the first entry
        FleetLedger.Snapshot at = ledger.recent(round.ledgerHead()).or(() -> ledger.at(round.ledgerHead()))
                .orElseThrow(() -> new IllegalArgumentException(round + ": its ledger head is not on this Pi's ledger"));
        PeerList.Peer pi = peers.servingHpc(round.hpc())
                .orElseThrow(() -> new IllegalStateException("no Pi in the static peer list serves HPC " + round.hpc()));
        Optional<org.leo.consensus.ledger.LedgerRules.MemberState> me = at.member(keys.member());
        if (me.isEmpty() || at.totalCredit() < 1 || pi.memberHex().equals(keys.memberHex())) {
            return Participation.notSelected(round); // not a member at that head, or the HPC's own Pi, which does not judge it
        }
        Alpha alpha = new Alpha(round.ledgerHead(), round.hpc(), round.round(), Role.VERIFIER);
        MemberSortition.Draw draw = keys.draw(alpha, me.get().credit(), at.totalCredit(), config.expectedCommitteeSize());
        if (draw.votes() == 0) {
            return Participation.notSelected(round);
        }
        byte[] nonce = new byte[FleetLimits.NONCE_BYTES];
        random.nextBytes(nonce);
        Optional<org.leo.consensus.ledger.LedgerRecord.ReferenceValues> published = at.referenceValues(round.hpc());
        AnswerCheck.Appraisal appraisal = challenge(pi, round, draw.votes(), draw.proof(), nonce,
                a -> AnswerCheck.of(a, nonce, round.hpc(), pi, published, AnswerCheck.expectation(at, round.hpc()), config.verifierPolicy(),
                        clock.instant()));
        Verdict v = keys.sign(round, (int) draw.votes(), draw.proof(), appraisal.outcome(), appraisal.evidenceSha256());
        return new Participation(round, draw.votes(), Optional.of(appraisal), Optional.of(v), Optional.of(offer(pi, v)));
    }

    /** Offers this member's verdict {@code v} to {@code pi}, the HPC's Pi. */
    VerdictResponse offer(PeerList.Peer pi, Verdict v) {
        return client(pi).verdict(VerdictRequest.newBuilder().setVerdict(ByteString.copyFrom(v.encode())).build(),
                config.verdictGrace().plus(Duration.ofSeconds(1)));
    }

    /**
     * Challenges the HPC of {@code round} through {@code pi} with this member's {@code votes} and {@code proof} and its
     * {@code nonce}; {@code judge} appraises a relayed answer, anything else is {@link AnswerCheck#noAnswer}.
     */
    AnswerCheck.Appraisal challenge(PeerList.Peer pi, RoundId round, long votes, byte[] proof, byte[] nonce,
                                    java.util.function.Function<org.leo.protocol.consensus.v1.RelayAnswer, AnswerCheck.Appraisal> judge) {
        ChallengeRequest req = ChallengeRequest.newBuilder().setRoundId(ByteString.copyFrom(round.encode()))
                .setMemberKey(ByteString.copyFrom(keys.member())).setVotes((int) votes).setVrfProof(ByteString.copyFrom(proof))
                .setNonce(ByteString.copyFrom(nonce)).build();
        ChallengeResponse r;
        try {
            r = client(pi).challenge(req, config.roundDeadline());
        } catch (StatusRuntimeException e) {
            return AnswerCheck.noAnswer(e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                    ? "no answer before the round deadline (" + config.roundDeadline().toMillis() + " ms)"
                    : "the HPC's Pi did not answer: " + e.getStatus());
        } catch (IllegalStateException e) {
            return AnswerCheck.noAnswer(e.getMessage());
        }
        return switch (r.getResultCase()) {
            case ANSWER -> judge.apply(r.getAnswer());
            case REFUSED -> AnswerCheck.noAnswer("the HPC's Pi refused the challenge (" + r.getRefused().getReason() + "): "
                    + r.getRefused().getMessage());
            case FAILED -> AnswerCheck.noAnswer(r.getFailed());
            case RESULT_NOT_SET -> AnswerCheck.noAnswer("the HPC's Pi answered nothing");
        };
    }

    @Override
    public void close() throws InterruptedException {
        sweeper.shutdownNow();
        work.shutdownNow();
        for (FleetClient c : clients.values()) {
            c.close();
        }
        server.close();
        if (executions != null) {
            executions.close();
        }
        sweeper.awaitTermination(SWEEP.toMillis() * 10, TimeUnit.MILLISECONDS);
        journal.ifPresent(RoundJournal::close);
        attestedBoots.close();
    }
}
