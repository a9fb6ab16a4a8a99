package org.leo.consensus.task;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.ledger.LedgerRules;
import org.leo.consensus.sortition.Alpha;
import org.leo.consensus.sortition.ExecutorElection;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.sortition.Role;

/**
 * The execution group of a task (docs/tasks.md), which anyone computes from public data: the task's
 * ledger entry, the members and credit as of that entry, and each drawn member's VRF proof.
 * <ul>
 * <li>alpha = (the task entry's hash, HPC 00:00:00:00:00:00, round = the task's seq, EXECUTOR): fixed by
 *     the task's own entry, so nobody knows the draw before the task is on the ledger, and the task's
 *     owner cannot steer it without grinding entries (each costs a signed, recorded task);</li>
 * <li>each member draws with its credit against the total credit at that entry, the expected group size
 *     being the task's; a member with votes is drawn;</li>
 * <li>the executor is the drawn member with the most votes (ties: the lower VRF output,
 *     {@link ExecutorElection}) among those with at least the task's executor credit; the monitors are
 *     the other drawn members with at least its monitor credit.</li>
 * </ul>
 * A task with no eligible executor or no monitor has no group: it cannot run, and its owner is refunded at
 * its expiry ({@code TaskExpired}, docs/tasks.md "Settlement on the ledgers").
 */
public final class TaskElection {
    /** No HPC: a task's alpha names the task by its seq, in the round field. */
    public static final MacAddress NO_HPC = MacAddress.of(new byte[MacAddress.LENGTH]);

    /** A member's claim to be drawn: its member key, VRF key, credit at the task's entry, proof and claimed votes. */
    public record Claim(byte[] member, byte[] vrfKey, long credit, byte[] proof, long votes) {
        public Claim {
            member = member.clone();
            vrfKey = vrfKey.clone();
            proof = proof.clone();
        }
    }

    /** The elected group; the refused claims with their reasons. */
    public record Group(Optional<ExecutorElection.Candidate> executor, List<ExecutorElection.Candidate> monitors, List<String> refused) {
        public Group {
            monitors = List.copyOf(monitors);
            refused = List.copyOf(refused);
        }

        public boolean canRun() {
            return executor.isPresent() && !monitors.isEmpty();
        }
    }

    private TaskElection() {
    }

    /** The alpha of the task recorded as {@code entry}. */
    public static Alpha alpha(LedgerEntry entry) {
        if (!(entry.record() instanceof LedgerRecord.TaskSubmitted)) {
            throw new IllegalArgumentException("entry #" + entry.seq() + " is not a task");
        }
        return new Alpha(entry.hash(), NO_HPC, entry.seq(), Role.EXECUTOR);
    }

    /** A member's own draw for the task ({@code secretKey}: its VRF secret). */
    public static MemberSortition.Draw draw(byte[] vrfSecret, LedgerEntry task, long credit, long totalCredit) {
        return MemberSortition.draw(vrfSecret, alpha(task), credit, totalCredit, ((LedgerRecord.TaskSubmitted) task.record()).groupSize());
    }

    /**
     * The group a {@code GroupElected} record names, re-elected from its claims with the members' VRF keys and credit at the
     * task's entry: what every reader of the ledger computes. A claim by a member unknown at that entry is refused.
     */
    public static Group elect(LedgerEntry task, java.util.Map<String, LedgerRules.MemberState> members, long totalCredit,
                              LedgerRecord.GroupElected recorded) {
        if (recorded.taskSeq() != task.seq()) {
            throw new IllegalArgumentException("the group is of task #" + recorded.taskSeq() + ", not of task #" + task.seq());
        }
        List<Claim> claims = new ArrayList<>();
        for (LedgerRecord.GroupClaim c : recorded.claims()) {
            LedgerRules.MemberState m = members.get(HexFormat.of().formatHex(c.member()));
            claims.add(new Claim(c.member(), m == null ? new byte[32] : m.vrfKey(), m == null ? -1 : m.credit(), c.proof(), c.votes()));
        }
        return elect(task, members, totalCredit, claims);
    }

    /**
     * Why a {@code GroupElected} record is not the task's elected group, or empty: every claim valid, the executor it names
     * the one its claims elect, every other claimant a monitor. The ledgers pay by the record (the contract cannot verify VRF
     * proofs); this is the reader's check that the record is honest, as a certificate's signatures are.
     */
    public static Optional<String> recordedGroupProblem(LedgerEntry task, java.util.Map<String, LedgerRules.MemberState> members,
                                                        long totalCredit, LedgerRecord.GroupElected recorded) {
        Group g = elect(task, members, totalCredit, recorded);
        if (!g.refused().isEmpty()) {
            return Optional.of("the group's claims are refused: " + g.refused());
        }
        String named = HexFormat.of().formatHex(recorded.executor());
        String elected = g.executor().map(ExecutorElection.Candidate::memberId).orElse("nobody");
        if (!elected.equals(named)) {
            return Optional.of("the group names executor " + named + ", its claims elect " + elected);
        }
        java.util.Set<String> monitors = new java.util.HashSet<>();
        g.monitors().forEach(m -> monitors.add(m.memberId()));
        for (byte[] m : recorded.members()) {
            String id = HexFormat.of().formatHex(m);
            if (!id.equals(named) && !monitors.contains(id)) {
                return Optional.of("claimant " + id + " is not a monitor (it lacks the task's monitor credit)");
            }
        }
        return Optional.empty();
    }

    /**
     * Elects the group of the task recorded as {@code task} from the members' claims, each checked against the members
     * as of that entry ({@code members}: by member key, hex; {@code totalCredit}: theirs summed). A claim by a non-member,
     * with a key other than the ledger's, a proof that does not verify or votes it does not give is refused, with the
     * reason.
     */
    public static Group elect(LedgerEntry task, java.util.Map<String, LedgerRules.MemberState> members, long totalCredit, List<Claim> claims) {
        LedgerRecord.TaskSubmitted t = (LedgerRecord.TaskSubmitted) task.record();
        Alpha alpha = alpha(task);
        HexFormat hex = HexFormat.of();
        record Drawn(ExecutorElection.Candidate candidate, long credit) { }
        List<Drawn> drawn = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Claim c : claims) {
            String id = hex.formatHex(c.member());
            LedgerRules.MemberState m = members.get(id);
            if (m == null || !java.util.Arrays.equals(m.vrfKey(), c.vrfKey()) || m.credit() != c.credit()) {
                refused.add(id + ": not a member with that VRF key and credit at task #" + task.seq());
                continue;
            }
            if (!seen.add(id)) {
                refused.add(id + ": claimed twice");
                continue;
            }
            MemberSortition.Checked checked = MemberSortition.check(c.vrfKey(), c.proof(), alpha, c.credit(), totalCredit, t.groupSize(), c.votes());
            if (checked instanceof MemberSortition.Checked.Invalid bad) {
                refused.add(id + ": " + bad.reason());
                continue;
            }
            if (c.votes() > 0) {
                drawn.add(new Drawn(new ExecutorElection.Candidate(id, c.votes(), ((MemberSortition.Checked.Valid) checked).beta()), c.credit()));
            }
        }
        Optional<ExecutorElection.Candidate> executor = ExecutorElection.elect(
                drawn.stream().filter(d -> d.credit() >= t.minExecutorCredit()).map(Drawn::candidate).toList());
        String executorId = executor.map(ExecutorElection.Candidate::memberId).orElse("");
        List<ExecutorElection.Candidate> monitors = drawn.stream()
                .filter(d -> !d.candidate().memberId().equals(executorId) && d.credit() >= t.minMonitorCredit()).map(Drawn::candidate)
                .sorted(java.util.Comparator.comparing(ExecutorElection.Candidate::memberId)).toList();
        return new Group(executor, monitors, refused);
    }
}
