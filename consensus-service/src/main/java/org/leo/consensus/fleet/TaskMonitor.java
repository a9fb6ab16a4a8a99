package org.leo.consensus.fleet;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.consensus.v1.VerdictResponse;

/**
 * A monitor's side of task rounds: the checks of a {@code TaskRoundOpened} notice from the executor's Pi, and
 * then its part in the round, once: it challenges the HPC through the executor's Pi with the votes and VRF
 * proof of its own claim in the task's group, appraises the answer for the round's phase ({@link TaskAppraisal}),
 * signs the verdict with the same votes and proof and offers it to the executor's Pi. The last {@value #KEPT}
 * rounds it was told of are remembered (a notice for one of them is REPEATED_NOTICE).
 */
final class TaskMonitor {
    static final int KEPT = 4096;
    static final int COMMITTEES_KEPT = 64;

    private final ConsensusNode node;
    private final TaskAppraisal appraisal;
    private final Executor work;
    private final SecureRandom random = new SecureRandom();
    private final Map<RoundId, CompletableFuture<Participation>> parts = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<RoundId, CompletableFuture<Participation>> eldest) {
            return size() > KEPT;
        }
    };

    /** The committees elected lately, by the seq of their group's entry: a task's rounds are elected once. */
    private final Map<Long, TaskCommittee> committees = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, TaskCommittee> eldest) {
            return size() > COMMITTEES_KEPT;
        }
    };

    TaskMonitor(ConsensusNode node, TaskAppraisal appraisal, Executor work) {
        this.node = node;
        this.appraisal = appraisal;
        this.work = work;
    }

    private static Optional<Rounds.Refused> refused(FleetRefusal reason, String message) {
        return Optional.of(new Rounds.Refused(reason.name(), message));
    }

    /**
     * The executor's Pi, TLS client {@code peer}, says it opened task round {@code id}, whose group is ledger entry
     * {@code groupSeq}: empty if this monitor now takes part, else why not.
     */
    synchronized Optional<Rounds.Refused> noticed(RoundId id, long groupSeq, byte[] peer) {
        Optional<TaskRound> round = TaskRound.of(id.round());
        if (round.isEmpty()) {
            return refused(FleetRefusal.NOT_A_TASK_ROUND, id + ": " + FleetRefusal.NOT_A_TASK_ROUND.sentence());
        }
        if (parts.containsKey(id)) {
            return refused(FleetRefusal.REPEATED_NOTICE, "already told of " + round.get() + " of HPC " + id.hpc());
        }
        List<LedgerEntry> at = groupSeq < 1 ? List.of() : node.ledger().ledger().entries(groupSeq, 1);
        if (at.isEmpty() || at.get(0).seq() != groupSeq || !Arrays.equals(at.get(0).hash(), id.ledgerHead())
                || !(at.get(0).record() instanceof LedgerRecord.GroupElected g) || g.taskSeq() != round.get().taskSeq()) {
            return refused(FleetRefusal.UNKNOWN_TASK_ROUND, "entry #" + Long.toUnsignedString(groupSeq) + " of this ledger is not the GroupElected of task #"
                    + round.get().taskSeq() + " with the round's ledger head");
        }
        String from = HexFormat.of().formatHex(peer);
        Optional<PeerList.Peer> pi = node.peers().servingHpc(id.hpc());
        if (pi.isEmpty() || !pi.get().memberHex().equals(from)) { // checked first: it costs no election
            return refused(FleetRefusal.NOT_THE_EXECUTOR, "member " + from + " is not the Pi of HPC " + id.hpc() + " (the peer list names "
                    + pi.map(PeerList.Peer::memberHex).orElse("no Pi") + ")");
        }
        TaskCommittee c = committees.get(groupSeq);
        if (c == null) {
            try {
                c = TaskCommittee.of(node.ledger(), at.get(0));
            } catch (IllegalArgumentException e) {
                return refused(FleetRefusal.UNKNOWN_TASK_ROUND, e.getMessage());
            }
            committees.put(groupSeq, c);
        }
        if (!c.executor().equals(from)) {
            return refused(FleetRefusal.NOT_THE_EXECUTOR, "member " + from + " is not task #" + c.taskSeq() + "'s executor (" + c.executor()
                    + " is)");
        }
        if (!c.isMonitor(node.keys().memberHex())) {
            return refused(FleetRefusal.NOT_A_MONITOR, "this Pi's member " + node.keys().memberHex() + " is not a monitor of task #" + c.taskSeq());
        }
        TaskCommittee committee = c;
        parts.put(id, CompletableFuture.supplyAsync(() -> participate(committee, id, pi.get()), work));
        return Optional.empty();
    }

    /** This monitor's part in task round {@code id}, if it was told of it. */
    synchronized Optional<CompletableFuture<Participation>> part(RoundId id) {
        return Optional.ofNullable(parts.get(id));
    }

    private Participation participate(TaskCommittee c, RoundId id, PeerList.Peer pi) {
        String self = node.keys().memberHex();
        long votes = c.votesOf(self);
        byte[] proof = c.proofOf(self).orElseThrow();
        byte[] nonce = new byte[FleetLimits.NONCE_BYTES];
        random.nextBytes(nonce);
        AnswerCheck.Appraisal a = node.challenge(pi, id, votes, proof, nonce,
                answer -> appraisal.appraise(c, id, answer, nonce, pi, node.clock().instant()));
        Verdict v = node.keys().sign(id, (int) votes, proof, a.outcome(), a.evidenceSha256());
        VerdictResponse r = node.offer(pi, v);
        return new Participation(id, votes, Optional.of(a), Optional.of(v), Optional.of(r));
    }
}
