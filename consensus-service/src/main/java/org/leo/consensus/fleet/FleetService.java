package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.HexFormat;
import java.util.Optional;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.protocol.consensus.v1.Admitted;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.ChallengeRequest;
import org.leo.protocol.consensus.v1.ChallengeResponse;
import org.leo.protocol.consensus.v1.FetchCapsuleRequest;
import org.leo.protocol.consensus.v1.FleetGrpc;
import org.leo.protocol.consensus.v1.JoinRequest;
import org.leo.protocol.consensus.v1.JoinResponse;
import org.leo.protocol.consensus.v1.KeyReleaseRequest;
import org.leo.protocol.consensus.v1.KeyReleaseResponse;
import org.leo.protocol.consensus.v1.Refusal;
import org.leo.protocol.consensus.v1.RoundCertificate;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.leo.protocol.consensus.v1.TaskClaimResponse;
import org.leo.protocol.consensus.v1.VerdictRequest;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * The Fleet gRPC service of one Pi: the transport around {@link MemberAdmission} (Join),
 * {@link Rounds} and the {@link RelayPort} (Challenge, Verdict on the HPC's Pi), and, once the Pi serves tasks, the
 * {@link TaskService} (ClaimTask, ReleaseKey, FetchCapsule; refused as NO_TASKS before). Every refusal is
 * an answer with a reason, counted in {@link Refusals}; a Pi that serves no HPC refuses Challenge
 * and Verdict as UNKNOWN_ROUND. TaskRoundOpened goes to the monitor's {@link TaskMonitor}.
 */
final class FleetService extends FleetGrpc.FleetImplBase {
    private final MemberAdmission admission;
    private final Rounds rounds;
    private final RelayPort relay;
    private final TaskNotices notices;
    private final Refusals refusals;
    private volatile TaskService tasks;
    private final RelayedAnswers relayed = new RelayedAnswers();

    /** What a monitor does with a task round's notice ({@link TaskMonitor#noticed}): empty if it takes part, else why not. */
    @FunctionalInterface
    interface TaskNotices {
        Optional<Rounds.Refused> noticed(RoundId round, long groupSeq, byte[] peer);
    }

    /** {@code rounds} and {@code relay} are null on a Pi that serves no HPC. */
    FleetService(MemberAdmission admission, Rounds rounds, RelayPort relay, TaskNotices notices, Refusals refusals) {
        this.admission = admission;
        this.rounds = rounds;
        this.relay = relay;
        this.notices = notices;
        this.refusals = refusals;
    }

    private static String peer() {
        return HexFormat.of().formatHex(PeerKey.MEMBER.get());
    }

    private Refusal refuse(String reason, String message) {
        refusals.refused(reason, peer(), message);
        return Refusal.newBuilder().setReason(reason).setMessage(cut(message)).build();
    }

    private static String cut(String s) {
        return s.length() <= FleetLimits.MAX_MESSAGE_CHARS ? s : s.substring(0, FleetLimits.MAX_MESSAGE_CHARS);
    }

    @Override
    public void join(JoinRequest request, StreamObserver<JoinResponse> out) {
        MemberAdmission.Decision d = admission.admit(request, PeerKey.MEMBER.get());
        JoinResponse.Builder b = JoinResponse.newBuilder();
        if (d.admitted().isPresent()) {
            b.setAdmitted(Admitted.newBuilder().setLedgerSeq(d.admitted().get().seq()).setLedgerHash(ByteString.copyFrom(d.admitted().get().hash()))
                    .setCredit(((org.leo.consensus.ledger.LedgerRecord.MemberAdmitted) d.admitted().get().record()).credit()));
        } else {
            // MemberAdmission counted it already
            b.setRefused(Refusal.newBuilder().setReason(d.refused().orElseThrow().name()).setMessage(cut(d.message())));
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void challenge(ChallengeRequest request, StreamObserver<ChallengeResponse> out) {
        Optional<Refusal> refused = admitChallenge(request);
        if (refused.isPresent()) {
            out.onNext(ChallengeResponse.newBuilder().setRefused(refused.get()).build());
            out.onCompleted();
            return;
        }
        RoundId round = RoundId.decode(request.getRoundId().toByteArray());
        relay.relay(round.hpc(), request.getNonce().toByteArray()).whenComplete((answer, failure) -> {
            if (failure == null) {
                relayed.relayed(round, answer);
            }
            ChallengeResponse r = failure == null ? ChallengeResponse.newBuilder().setAnswer(answer).build()
                    : ChallengeResponse.newBuilder().setFailed(cut("the HPC's Pi could not relay the challenge: "
                            + (failure.getCause() != null ? failure.getCause().getMessage() : failure.getMessage()))).build();
            try {
                out.onNext(r);
                out.onCompleted();
            } catch (RuntimeException e) {
                // the verifier's deadline passed and the call is gone; nothing to answer
            }
        });
    }

    private Optional<Refusal> admitChallenge(ChallengeRequest request) {
        Optional<String> over = FleetLimits.problem(request);
        if (over.isPresent()) {
            return Optional.of(refuse(FleetRefusal.OVERSIZED.name(), "challenge: " + over.get()));
        }
        if (!request.getMemberKey().equals(ByteString.copyFrom(PeerKey.MEMBER.get()))) {
            return Optional.of(refuse(FleetRefusal.PEER_MISMATCH.name(), "the challenge names member "
                    + HexFormat.of().formatHex(request.getMemberKey().toByteArray()) + ", the TLS client is " + peer()));
        }
        if (rounds == null) {
            return Optional.of(refuse(FleetRefusal.UNKNOWN_ROUND.name(), "this Pi serves no HPC"));
        }
        RoundId round = RoundId.decode(request.getRoundId().toByteArray());
        return rounds.challenge(round, request.getMemberKey().toByteArray(), request.getVrfProof().toByteArray(),
                Integer.toUnsignedLong(request.getVotes())).map(r -> refuse(r.reason(), r.message()));
    }

    @Override
    public void verdict(VerdictRequest request, StreamObserver<VerdictResponse> out) {
        VerdictResponse.Builder b = VerdictResponse.newBuilder();
        Optional<String> over = FleetLimits.problem(request);
        if (over.isPresent()) {
            b.setRefused(refuse(FleetRefusal.OVERSIZED.name(), "verdict: " + over.get()));
        } else if (rounds == null) {
            b.setRefused(refuse(FleetRefusal.UNKNOWN_ROUND.name(), "this Pi serves no HPC"));
        } else {
            Rounds.Offer offer = rounds.offer(request.getVerdict().toByteArray());
            b.setCounted(offer.counted());
            offer.refused().ifPresent(r -> b.setRefused(refuse(r.reason(), r.message())));
            offer.certificate().ifPresent(c -> b.setCertificate(certificate(c, offer.recorded().map(e -> e.seq()))));
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    @Override
    public void taskRoundOpened(TaskRoundNotice request, StreamObserver<TaskRoundNoticeResponse> out) {
        TaskRoundNoticeResponse.Builder b = TaskRoundNoticeResponse.newBuilder();
        Optional<String> over = FleetLimits.problem(request);
        if (over.isPresent()) {
            b.setRefused(refuse(FleetRefusal.OVERSIZED.name(), "task round notice: " + over.get()));
        } else {
            Optional<Rounds.Refused> refused = notices.noticed(RoundId.decode(request.getRoundId().toByteArray()), request.getGroupSeq(),
                    PeerKey.MEMBER.get());
            refused.ifPresent(r -> b.setRefused(refuse(r.reason(), r.message())));
            b.setAccepted(refused.isEmpty());
        }
        out.onNext(b.build());
        out.onCompleted();
    }

    static RoundCertificate certificate(QuorumCertificate c, Optional<Long> ledgerSeq) {
        RoundCertificate.Builder b = RoundCertificate.newBuilder().setOutcome(c.outcome().name()).setRecorded(ledgerSeq.isPresent())
                .setLedgerSeq(ledgerSeq.orElse(0L));
        for (Verdict v : c.verdicts()) {
            b.addVerdicts(ByteString.copyFrom(v.encode()));
        }
        return b.build();
    }

    /** What this Pi relayed to the monitors in its HPCs' task rounds: the evidence its coordinator shows with a key request. */
    RelayedAnswers relayed() {
        return relayed;
    }

    /** From now on this Pi serves ClaimTask, ReleaseKey and FetchCapsule through {@code t}; until then it refuses them (NO_TASKS). */
    void useTasks(TaskService t) {
        this.tasks = t;
    }

    private void noTasks(StreamObserver<CapsuleChunk> out) {
        noTasks();
        out.onError(Status.UNIMPLEMENTED.withDescription(TaskRefusal.NO_TASKS.sentence()).asRuntimeException());
    }

    private Refusal noTasks() {
        return refuse(TaskRefusal.NO_TASKS.name(), TaskRefusal.NO_TASKS.sentence());
    }

    @Override
    public void claimTask(TaskClaimRequest request,
                          StreamObserver<TaskClaimResponse> out) {
        TaskService t = tasks;
        out.onNext(t == null ? TaskClaimResponse.newBuilder().setRefused(noTasks()).build()
                : t.claimTask(request, PeerKey.MEMBER.get()));
        out.onCompleted();
    }

    @Override
    public void releaseKey(KeyReleaseRequest request,
                           StreamObserver<KeyReleaseResponse> out) {
        TaskService t = tasks;
        out.onNext(t == null ? KeyReleaseResponse.newBuilder().setRefused(noTasks()).build()
                : t.releaseKey(request, PeerKey.MEMBER.get()));
        out.onCompleted();
    }

    @Override
    public void fetchCapsule(FetchCapsuleRequest request,
                             StreamObserver<CapsuleChunk> out) {
        TaskService t = tasks;
        if (t == null) {
            noTasks(out);
            return;
        }
        t.fetchCapsule(request, PeerKey.MEMBER.get(), out);
    }

    /** From now on this Pi serves FetchResult and FetchImage through {@code e}; until then it refuses them (NO_TASKS). */
    void useExecutions(TaskExecutions e) {
        this.executions = e;
    }

    private volatile TaskExecutions executions;

    @Override
    public void fetchResult(org.leo.protocol.consensus.v1.FetchResultRequest request, StreamObserver<CapsuleChunk> out) {
        TaskExecutions e = executions;
        if (e == null) {
            noTasks(out);
            return;
        }
        e.serveResult(request, PeerKey.MEMBER.get(), out);
    }

    @Override
    public void fetchImage(org.leo.protocol.consensus.v1.FetchImageRequest request, StreamObserver<CapsuleChunk> out) {
        TaskExecutions e = executions;
        if (e == null) {
            noTasks(out);
            return;
        }
        e.serveImage(request, PeerKey.MEMBER.get(), out);
    }
}
