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
    /** How often a member tries to hand its claim to the owner's Pi before it gives up (the owner's Pi may be restarting). */
    static final int CLAIM_ATTEMPTS = 10;

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
        if (!atStart) {
            work.execute(() -> claimIfDrawn(task));
        }
    }

    @Override
    public void group(LedgerEntry group, boolean atStart) {
        claims.groupAppeared(((LedgerRecord.GroupElected) group.record()).taskSeq());
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
        if (java.util.Arrays.equals(t.owner(), keys.member())) {
            claims.claim(r, keys.member()).ifPresent(x -> LOG.warn("tasks: own claim for task #{} refused: {}", task.seq(), x.message()));
            return;
        }
        Optional<PeerList.Peer> owner = peers.get().member(t.owner());
        if (owner.isEmpty()) {
            LOG.warn("tasks: drawn for task #{}, but its owner {} is not in the peer list", task.seq(), HexFormat.of().formatHex(t.owner()));
            return;
        }
        for (int attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
            try {
                TaskClaimResponse a = clients.apply(owner.get()).claimTask(r, config.claimWindow());
                if (a.hasRefused()) {
                    LOG.warn("tasks: the owner's Pi refused the claim for task #{} ({}): {}", task.seq(), a.getRefused().getReason(),
                            a.getRefused().getMessage());
                }
                return;
            } catch (RuntimeException e) {
                LOG.info("tasks: claim for task #{} not delivered (attempt {}): {}", task.seq(), attempt, e.toString());
                try {
                    Thread.sleep(config.claimWindow().toMillis() / (2L * CLAIM_ATTEMPTS) + 1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    TaskClaimResponse claimTask(TaskClaimRequest r, byte[] peer) {
        return claims.claim(r, peer).map(x -> TaskClaimResponse.newBuilder()
                        .setRefused(refusal(refusals, HexFormat.of().formatHex(peer), x.reason(), x.message())).build())
                .orElse(TaskClaimResponse.newBuilder().setAccepted(true).build());
    }

    KeyReleaseResponse releaseKey(KeyReleaseRequest r, byte[] peer) {
        Instant now = clock.instant();
        KeyReleaseCheck check = new KeyReleaseCheck(keys.member(), ledger, peers.get(), wrapped, watch::seen, config.releaseFreshness());
        return release.answer(check, r, peer, now, refusals, HexFormat.of().formatHex(peer));
    }

    void fetchCapsule(FetchCapsuleRequest r, byte[] peer, StreamObserver<CapsuleChunk> out) {
        String who = HexFormat.of().formatHex(peer);
        Optional<String> over = TaskLimits.problem(r);
        if (over.isPresent()) {
            refusals.refused(FleetRefusal.OVERSIZED, who, "fetch: " + over.get());
            out.onError(Status.INVALID_ARGUMENT.withDescription(over.get()).asRuntimeException());
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
            refusals.refused(TaskRefusal.NO_CAPSULE.name(), who, "no capsule " + address.hex() + " in this Pi's store");
            out.onError(Status.NOT_FOUND.withDescription("no capsule " + address.hex()).asRuntimeException());
            return;
        }
        byte[] b = bytes.get();
        for (int off = 0; off < b.length || off == 0; off += TaskLimits.CAPSULE_CHUNK_BYTES) {
            int n = Math.min(TaskLimits.CAPSULE_CHUNK_BYTES, b.length - off);
            CapsuleChunk.Builder c = CapsuleChunk.newBuilder().setData(ByteString.copyFrom(b, off, n));
            if (off == 0) {
                c.setTotalBytes(b.length);
            }
            out.onNext(c.build());
            if (b.length == 0) {
                break;
            }
        }
        out.onCompleted();
    }
}
