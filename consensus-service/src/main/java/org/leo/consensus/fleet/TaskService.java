package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.task.TaskElection;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.FetchCapsuleRequest;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.Refusal;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.leo.protocol.consensus.v1.TaskClaimResponse;
import org.leo.protocol.tpm.Tpm;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Pi's part in trusted tasks (docs/tasks.md "Key release"): it follows the ledger ({@link TaskWatch}); as a member, it
 * draws for each new task and, if drawn, sends its claim to the task owner's Pi; as a task owner, it collects the claims
 * and appends the group ({@link TaskClaims}); as a capsule owner, it answers key releases ({@link KeyRelease}); and it
 * serves the capsules its store holds (FetchCapsule). {@link FleetService} hands the three rpcs here.
 */
public final class TaskService implements TaskWatch.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(TaskService.class);

    private final MemberKeys keys;
    private final FleetLedger ledger;
    private final Supplier<PeerList> peers;
    private final Function<PeerList.Peer, FleetClient> clients;
    private final TaskConfig config;
    private final Clock clock;
    private final Refusals refusals;
    private final ExecutorService work;
    private final TaskWatch watch;
    private final TaskClaims claims;
    private final KeyRelease release;
    private final WrappedKeys wrapped;
    private final CapsuleStore store;

    TaskService(MemberKeys keys, FleetLedger ledger, Supplier<PeerList> peers, Function<PeerList.Peer, FleetClient> clients, TaskConfig config,
                Tpm tpm, WrappedKeys wrapped, CapsuleStore store, Clock clock, Refusals refusals, ExecutorService work) {
        this.keys = keys;
        this.ledger = ledger;
        this.peers = peers;
        this.clients = clients;
        this.config = config;
        this.clock = clock;
        this.refusals = refusals;
        this.work = work;
        this.watch = new TaskWatch(ledger.ledger(), clock);
        this.claims = new TaskClaims(keys.member(), ledger, config.claimWindow(), clock);
        this.release = new KeyRelease(keys, tpm);
        this.wrapped = wrapped;
        this.store = store;
    }

    /** Logs, counts and words a refusal. */
    static Refusal refusal(Refusals refusals, String peer, String reason, String message) {
        refusals.refused(reason, peer, message);
        String m = message.length() <= FleetLimits.MAX_MESSAGE_CHARS ? message : message.substring(0, FleetLimits.MAX_MESSAGE_CHARS);
        return Refusal.newBuilder().setReason(reason).setMessage(m).build();
    }

    /** One tick: new entries are read, windows that are over are closed. */
    void tick() {
        try {
            watch.poll(this);
            OwnResults r = results;
            if (r != null) {
                r.tick();
            }
            for (LedgerEntry t : ownAtStart) {
                if (claims.counted(t.seq()) >= 0) {
                    work.execute(() -> claimIfDrawn(t));
                }
            }
            ownAtStart.clear();
            resendClaims();
            claims.closeDue().forEach(e -> LOG.info("tasks: appended {}", e));
        } catch (RuntimeException e) {
            LOG.warn("tasks: reading the ledger failed: {}", e.toString());
        }
    }

    TaskClaims claims() {
        return claims;
    }

    TaskWatch watch() {
        return watch;
    }

    @Override
    public void task(LedgerEntry task, boolean atStart) {
        claims.taskAppeared(task);
        OwnResults r = results;
        if (r != null) {
            r.task(task, atStart);
        }
        if (!atStart) {
            work.execute(() -> claimIfDrawn(task));
        } else if (java.util.Arrays.equals(((LedgerRecord.TaskSubmitted) task.record()).owner(), keys.member())) {
            ownAtStart.add(task); // its window reopened: this Pi's own claim is counted again once the first poll has read the groups
        }
    }

    /** This Pi's own tasks read at the first poll, whose windows may be open again (a restart in a window). */
    private final java.util.List<LedgerEntry> ownAtStart = new java.util.ArrayList<>();

    @Override
    public void group(LedgerEntry group, boolean atStart) {
        long taskSeq = ((LedgerRecord.GroupElected) group.record()).taskSeq();
        claims.groupAppeared(taskSeq);
        synchronized (pending) {
            pending.remove(taskSeq);
        }
        GroupListener l = groups;
        if (l != null) {
            l.group(group, atStart);
        }
        OwnResults r = results;
        if (r != null) {
            r.group(group, atStart);
        }
    }

    @Override
    public void ended(LedgerEntry entry, boolean atStart) {
        OwnResults r = results;
        if (r != null) {
            r.ended(entry, atStart);
        }
    }

    private volatile OwnResults results;

    /** Whether this Pi holds the wrapped key of capsule {@code a}: its member sealed it, and it may release it. */
    boolean holdsKey(ContentAddress a) {
        try {
            return wrapped.wrapped(a).isPresent();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * This Pi fetches the results of its own tasks, and of tasks with its data, from now on ({@link OwnResults}): it is told
     * of every entry read so far, then of each new one, and keeps the agent certificates this Pi releases those tasks' keys to.
     */
    void fetchOwnResults(OwnResults r) {
        watch.catchUp(r, () -> this.results = r);
    }

    /** Told of each GroupElected entry this Pi's watch reads (the executor's coordinator, {@link TaskExecutions}). */
    interface GroupListener {
        void group(LedgerEntry group, boolean atStart);
    }

    private volatile GroupListener groups;

    /** {@code l} is told of the groups read so far (as at start), then of each new one. */
    void onGroup(GroupListener l) {
        watch.catchUp(new TaskWatch.Listener() {
            @Override
            public void task(LedgerEntry task, boolean atStart) {
            }

            @Override
            public void group(LedgerEntry group, boolean atStart) {
                l.group(group, atStart);
            }
        }, () -> this.groups = l);
    }

    /** Claims this member still re-sends (tests). */
    int pendingClaims() {
        synchronized (pending) {
            return pending.size();
        }
    }

    /** This member's draw for {@code task}, sent to the owner's Pi if it has votes. */
    private void claimIfDrawn(LedgerEntry task) {
        LedgerRecord.TaskSubmitted t = (LedgerRecord.TaskSubmitted) task.record();
        FleetLedger.Snapshot at = ledger.at(task.hash()).orElseThrow();
        Optional<org.leo.consensus.ledger.LedgerRules.MemberState> me = at.member(keys.member());
        if (me.isEmpty() || at.totalCredit() < 1) {
            return;
        }
        MemberSortition.Draw d = keys.draw(TaskElection.alpha(task), me.get().credit(), at.totalCredit(), t.groupSize());
        if (d.votes() == 0) {
            return;
        }
        TaskClaimRequest r = TaskClaimRequest.newBuilder().setTaskSeq(task.seq()).setMemberKey(ByteString.copyFrom(keys.member()))
                .setVotes((int) d.votes()).setVrfProof(ByteString.copyFrom(d.proof())).build();
        Optional<PeerList.Peer> owner = peers.get().member(t.owner());
        if (owner.isEmpty()) {
            LOG.warn("tasks: drawn for task #{}, but its owner {} is not in the peer list", task.seq(), HexFormat.of().formatHex(t.owner()));
            return;
        }
        // sent now and again at every poll until the group is on the ledger or the window has passed (the owner's Pi keeps
        // claims in memory: one restarted in the window has them again from the re-sends)
        Pending p = new Pending(task.seq(), r, owner.get(), clock.instant().plus(config.claimWindow()).plus(config.poll()));
        synchronized (pending) {
            if (pending.size() >= TaskClaims.MAX_OPEN_WINDOWS) {
                LOG.warn("tasks: {} claims pending, the most kept: the claim for task #{} is sent once", pending.size(), task.seq());
                send(p);
                return;
            }
            pending.put(task.seq(), p);
        }
        send(p);
    }

    /** A claim this member re-sends until its task's group is on the ledger or {@code until}. */
    private record Pending(long taskSeq, TaskClaimRequest request, PeerList.Peer owner, Instant until) {
    }

    private final java.util.Map<Long, Pending> pending = new java.util.LinkedHashMap<>();
    private final java.util.Set<Long> sending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Re-sends the pending claims (one at a time per task), dropping those whose window has passed. */
    private void resendClaims() {
        Instant now = clock.instant();
        java.util.List<Pending> due;
        synchronized (pending) {
            pending.values().removeIf(p -> now.isAfter(p.until()));
            due = java.util.List.copyOf(pending.values());
        }
        for (Pending p : due) {
            if (sending.add(p.taskSeq())) {
                work.execute(() -> {
                    try {
                        send(p);
                    } finally {
                        sending.remove(p.taskSeq());
                    }
                });
            }
        }
    }

    /** Reads the entries appended since the last poll (what a request may depend on); a failure is logged, not thrown. */
    private void pollQuietly() {
        try {
            watch.poll(this);
        } catch (RuntimeException e) {
            LOG.warn("tasks: reading the ledger failed: {}", e.toString());
        }
    }

    /** Sends one claim; a refusal that no re-send can change ends the re-sending. */
    private void send(Pending p) {
        try {
            TaskClaimResponse a = java.util.Arrays.equals(p.owner().member(), keys.member()) ? claimTask(p.request(), keys.member()) // its own task
                    : clients.apply(p.owner()).claimTask(p.request(), config.claimWindow());
            if (a.hasRefused()) {
                String reason = a.getRefused().getReason();
                // NO_TASKS: the owner's Pi is starting; UNKNOWN_TASK: its ledger has not the task yet (its chain node lags);
                // any other answer is final
                if (!TaskRefusal.NO_TASKS.name().equals(reason) && !TaskRefusal.UNKNOWN_TASK.name().equals(reason)) {
                    synchronized (pending) {
                        pending.remove(p.taskSeq());
                    }
                }
                LOG.warn("tasks: the owner's Pi refused the claim for task #{} ({}): {}", p.taskSeq(), reason, a.getRefused().getMessage());
            }
        } catch (RuntimeException e) {
            LOG.info("tasks: claim for task #{} not delivered (sent again at the next poll): {}", p.taskSeq(), e.toString());
        }
    }

    TaskClaimResponse claimTask(TaskClaimRequest r, byte[] peer) {
        // a member claims as soon as it reads the task, often before this Pi's next poll: read the new entries first, or the
        // claim would be refused as one for a window that is closed when it has not opened yet
        pollQuietly();
        return claims.claim(r, peer).map(x -> TaskClaimResponse.newBuilder()
                        .setRefused(refusal(refusals, HexFormat.of().formatHex(peer), x.reason(), x.message())).build())
                .orElse(TaskClaimResponse.newBuilder().setAccepted(true).build());
    }

    KeyReleaseResponse releaseKey(KeyReleaseRequest r, byte[] peer) {
        // the executor asks as soon as its certificate is recorded, often before this Pi's next poll: read the new entries
        // first, or a certificate this Pi has not read yet would be refused as one it never saw appear
        pollQuietly();
        Instant now = clock.instant();
        KeyReleaseCheck check = new KeyReleaseCheck(keys.member(), ledger, peers.get(), wrapped, store, watch::seen, config.releaseFreshness());
        return release.answer(check, r, peer, now, refusals, HexFormat.of().formatHex(peer), released -> {
            OwnResults own = results;
            if (own != null) {
                own.released(released.taskSeq(), released.agent()); // kept if it is a task this Pi follows as its owner
            }
        });
    }

    void fetchCapsule(FetchCapsuleRequest r, byte[] peer, StreamObserver<CapsuleChunk> out) {
        String who = HexFormat.of().formatHex(peer);
        Optional<String> over = TaskLimits.problem(r);
        if (over.isPresent()) {
            Chunks.refuse(refusals, who, FleetRefusal.OVERSIZED.name(), "fetch: " + over.get(), Status.INVALID_ARGUMENT, over.get(), out);
            return;
        }
        ContentAddress address = ContentAddress.ofDigest(r.getAddress().toByteArray());
        Optional<byte[]> bytes;
        try {
            bytes = store.get(address);
        } catch (IOException e) {
            bytes = Optional.empty(); // a damaged entry is never served (the store counted it)
        }
        if (bytes.isEmpty()) {
            Chunks.refuse(refusals, who, TaskRefusal.NO_CAPSULE.name(), "no capsule " + address.hex() + " in this Pi's store", Status.NOT_FOUND,
                    "no capsule " + address.hex(), out);
            return;
        }
        Chunks.send(bytes.get(), out);
    }
}
