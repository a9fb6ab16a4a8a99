package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.consensus.v1.TaskRoundNotice;
import org.leo.protocol.consensus.v1.TaskRoundNoticeResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's Pi's side of task rounds (docs/tasks.md "Task rounds (built)"): it opens a task round of one
 * of its own HPCs on demand, once the task's {@code GroupElected} is on its ledger and only if its member is
 * that group's executor, in {@link Rounds} with the task's monitors as committee ({@link TaskCommittee}), and
 * tells each monitor ({@code TaskRoundOpened}). The round then runs as any: the monitors challenge, the Pi
 * relays, their verdicts are collected, and at its deadline or {@link ConsensusNode#closeRound} its
 * certificate is recorded as a {@code CertificateRecorded} entry. A round that does not certify is opened
 * again with the next attempt.
 */
public final class TaskRounds {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRounds.class);

    /** A task round opened: its id, its committee, and what each monitor answered the notice ("accepted", or why not). */
    public record Opened(RoundId round, TaskCommittee committee, Map<String, String> told) {
        public Opened {
            told = Map.copyOf(told);
        }
    }

    private final ConsensusNode node;
    private final Rounds rounds;
    private final Duration deadline;

    TaskRounds(ConsensusNode node, Rounds rounds, Duration deadline) {
        this.node = node;
        this.rounds = rounds;
        this.deadline = deadline;
    }

    /**
     * Opens {@code round} of {@code hpc} and tells the task's monitors; an IllegalStateException with the reason if it may
     * not open here (no group on the ledger, this Pi's member not the executor, the HPC not served here, the round closed).
     */
    public Opened open(TaskRound round, MacAddress hpc) {
        LedgerEntry group = TaskCommittee.groupOf(node.ledger().ledger(), round.taskSeq())
                .orElseThrow(() -> new IllegalStateException("task #" + round.taskSeq() + " has no GroupElected on this Pi's ledger"));
        TaskCommittee c;
        try {
            c = TaskCommittee.of(node.ledger(), group);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (!c.executor().equals(node.keys().memberHex())) {
            throw new IllegalStateException("this Pi's member " + node.keys().memberHex() + " is not task #" + round.taskSeq() + "'s executor ("
                    + c.executor() + " is)");
        }
        RoundId id = round.roundId(group.hash(), hpc);
        Optional<Rounds.Refused> refused = rounds.openTask(id, c);
        if (refused.isPresent()) {
            throw new IllegalStateException(round + " of HPC " + hpc + " did not open (" + refused.get().reason() + "): " + refused.get().message());
        }
        TaskRoundNotice notice = TaskRoundNotice.newBuilder().setRoundId(ByteString.copyFrom(id.encode())).setGroupSeq(group.seq()).build();
        Map<String, String> told = new LinkedHashMap<>();
        for (String m : c.monitors()) {
            told.put(m, tell(m, notice));
        }
        LOG.info("consensus: {} of HPC {} opened with {} monitor(s), {} vote(s): {}", round, hpc, c.monitors().size(), c.expectedCommitteeSize(), told);
        return new Opened(id, c, told);
    }

    private String tell(String monitor, TaskRoundNotice notice) {
        Optional<PeerList.Peer> peer = node.peers().member(monitor);
        if (peer.isEmpty()) {
            return "not in the static peer list";
        }
        try {
            TaskRoundNoticeResponse r = node.client(peer.get()).taskRoundOpened(notice, deadline);
            return r.getAccepted() ? "accepted" : r.getRefused().getReason() + ": " + r.getRefused().getMessage();
        } catch (RuntimeException e) {
            return "not told: " + e.getMessage();
        }
    }
}
