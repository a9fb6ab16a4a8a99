package org.leo.consensus.fleet;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.sortition.ExecutorElection;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskRound;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The committee of a task's rounds ({@link TaskRound}): the task's monitors, each with the votes and
 * VRF proof of its claim in the task's {@code GroupElected} entry, re-elected from that entry by
 * {@link TaskElection} with the members and credit at the task's entry (so a claim the election
 * refused, or the executor's, seats nobody). &tau; is the monitors' votes summed: a TRUSTED
 * certificate needs more than two thirds of them, UNTRUSTED more than a third.
 *
 * <p>A verdict or challenge counts only for a task round of this task drawn at the group's entry,
 * by a monitor, with exactly its claim's proof (BAD_PROOF otherwise: the proof was checked at the
 * election, so no other proof is needed or taken) and its claim's votes (INFLATED_VOTES).
 */
public final class TaskCommittee implements RoundCommittee {
    private static final Logger LOG = LoggerFactory.getLogger(TaskCommittee.class);
    private static final int PAGE = 10_000;

    /** A monitor's seat: its claim's votes and VRF proof. */
    private record Seat(long votes, byte[] proof) { }

    private final long taskSeq;
    private final LedgerEntry group;
    private final String executor;
    private final Map<String, Seat> monitors;
    private final int tau;

    private TaskCommittee(long taskSeq, LedgerEntry group, String executor, Map<String, Seat> monitors) {
        this.taskSeq = taskSeq;
        this.group = group;
        this.executor = executor;
        this.monitors = Map.copyOf(monitors);
        this.tau = Math.toIntExact(monitors.values().stream().mapToLong(Seat::votes).sum());
    }

    /**
     * The committee of the task whose {@code GroupElected} is {@code groupEntry}, read from {@code ledger}; an
     * IllegalArgumentException with a sentence if the entry is not one, its task is not on the ledger, or its group
     * cannot run (no executor or no monitor).
     */
    public static TaskCommittee of(FleetLedger ledger, LedgerEntry groupEntry) {
        if (!(groupEntry.record() instanceof LedgerRecord.GroupElected g)) {
            throw new IllegalArgumentException("entry #" + groupEntry.seq() + " is not a GroupElected");
        }
        List<LedgerEntry> at = ledger.ledger().entries(g.taskSeq(), 1);
        if (at.isEmpty() || at.get(0).seq() != g.taskSeq() || !(at.get(0).record() instanceof LedgerRecord.TaskSubmitted)) {
            throw new IllegalArgumentException("entry #" + g.taskSeq() + ", the group's task, is not a task on this ledger");
        }
        LedgerEntry task = at.get(0);
        FleetLedger.Snapshot members = ledger.atEntry(task);
        TaskElection.Group elected = TaskElection.elect(task, members.members(), members.totalCredit(), g);
        if (!elected.canRun()) {
            throw new IllegalArgumentException("task #" + g.taskSeq() + "'s group has no executor or no monitor");
        }
        Map<String, Seat> seats = new LinkedHashMap<>();
        for (ExecutorElection.Candidate m : elected.monitors()) {
            byte[] proof = g.claims().stream().filter(c -> HexFormat.of().formatHex(c.member()).equals(m.memberId())).findFirst()
                    .orElseThrow().proof();
            seats.put(m.memberId(), new Seat(m.votes(), proof));
        }
        return new TaskCommittee(g.taskSeq(), groupEntry, elected.executor().orElseThrow().memberId(), seats);
    }

    /** The GroupElected entry of task {@code taskSeq} on {@code ledger}, searched from the task's entry on (the Pi's own reads). */
    public static Optional<LedgerEntry> groupOf(Ledger ledger, long taskSeq) {
        for (long from = taskSeq + 1; ; ) {
            List<LedgerEntry> page = ledger.entries(from, PAGE);
            for (LedgerEntry e : page) {
                if (e.record() instanceof LedgerRecord.GroupElected g && g.taskSeq() == taskSeq) {
                    return Optional.of(e);
                }
            }
            if (page.size() < PAGE) {
                return Optional.empty();
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
    }

    /** The committee of the task round {@code id}: its task's group, whose entry's hash must be the round's head. */
    static Optional<TaskCommittee> forRound(FleetLedger ledger, RoundId id) {
        Optional<TaskRound> round = TaskRound.of(id.round());
        if (round.isEmpty()) {
            return Optional.empty();
        }
        return groupOf(ledger.ledger(), round.get().taskSeq()).filter(e -> Arrays.equals(e.hash(), id.ledgerHead())).map(e -> of(ledger, e));
    }

    /**
     * The committee of a round restored from the journal: {@code scheduled} (the fleet's sortition) for a scheduled round,
     * its task's monitors read from the ledger again for a task round; empty, logged, if the ledger does not have its group.
     */
    static Optional<RoundCommittee> restored(FleetLedger ledger, RoundId id, RoundCommittee scheduled) {
        if (!TaskRound.isTaskRound(id.round())) {
            return Optional.of(scheduled);
        }
        try {
            Optional<RoundCommittee> c = forRound(ledger, id).map(RoundCommittee.class::cast);
            if (c.isEmpty()) {
                LOG.error("consensus: {} was open before the restart, but its task's group is not on the ledger at its head: it is not restored", id);
            }
            return c;
        } catch (RuntimeException e) {
            LOG.error("consensus: {} was open before the restart, but its committee cannot be read: {}; it is not restored", id, e.getMessage());
            return Optional.empty();
        }
    }

    public long taskSeq() {
        return taskSeq;
    }

    /** The task's GroupElected entry: a task round's ledger head is its hash. */
    public LedgerEntry group() {
        return group;
    }

    /** The executor's member key (hex). */
    public String executor() {
        return executor;
    }

    /** The monitors' member keys (hex), ascending. */
    public List<String> monitors() {
        return monitors.keySet().stream().sorted().toList();
    }

    public boolean isMonitor(String memberHex) {
        return monitors.containsKey(memberHex);
    }

    /** The votes of {@code memberHex}'s claim (0: not a monitor). */
    public long votesOf(String memberHex) {
        Seat s = monitors.get(memberHex);
        return s == null ? 0 : s.votes();
    }

    /** The VRF proof of {@code memberHex}'s claim, if it is a monitor. */
    public Optional<byte[]> proofOf(String memberHex) {
        return Optional.ofNullable(monitors.get(memberHex)).map(s -> s.proof().clone());
    }

    @Override
    public int expectedCommitteeSize() {
        return tau;
    }

    @Override
    public int votes(byte[] member, byte[] vrfProof, RoundId round) throws Refused {
        Optional<TaskRound> r = TaskRound.of(round.round());
        if (r.isEmpty() || r.get().taskSeq() != taskSeq || !Arrays.equals(round.ledgerHead(), group.hash())) {
            throw new Refused(QuorumCollector.Reason.WRONG_ROUND, round + " is not a round of task #" + taskSeq + " drawn at its group's entry #"
                    + group.seq());
        }
        String hex = HexFormat.of().formatHex(member);
        Seat s = monitors.get(hex);
        if (s == null) {
            throw new Refused(QuorumCollector.Reason.NOT_SELECTED, "member " + hex + " is not a monitor of task #" + taskSeq);
        }
        if (!Arrays.equals(vrfProof, s.proof())) {
            throw new Refused(QuorumCollector.Reason.BAD_PROOF, "the VRF proof is not the one of member " + hex + "'s claim in task #" + taskSeq
                    + "'s group");
        }
        return (int) Math.min(Integer.MAX_VALUE, s.votes());
    }
}
