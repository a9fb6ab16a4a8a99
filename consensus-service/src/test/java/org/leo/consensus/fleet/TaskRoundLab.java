package org.leo.consensus.fleet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.task.TaskElection;

/**
 * A task and its execution group on a lab ledger whose members are Lab.keys(0..n-1): member 1 publishes a
 * service, member 2 submits tasks for it until the members' real draws elect a group {@code wanted} accepts
 * (the executor is member 0, the HPC's Pi, say), and the group's claims are recorded as GroupElected.
 */
final class TaskRoundLab {
    static final int GROUP_SIZE = 5;

    private TaskRoundLab() {
    }

    /** Member {@code i}'s Ed25519 seed (its verdict key), as Lab.keys makes it. */
    static byte[] secret(int i) {
        return Lab.sha256("leo-lab-verdict-key-" + i);
    }

    /** The GroupElected entry of the first task whose group passes {@code wanted}; members 0..n-1 draw, all claim. */
    static LedgerEntry group(Ledger ledger, int n, Predicate<TaskElection.Group> wanted) {
        long service = ledger.append(LedgerRecord.ServicePublished.sign(secret(1), Lab.sha256("image"), Lab.sha256("code"), 3, "grey")).seq();
        return ledger.append(electable(ledger, n, wanted, service, t -> List.of(Lab.sha256("data " + t))).group());
    }

    /** A task on the ledger and the group its members' real draws elect, not yet recorded. */
    record Electable(LedgerEntry task, LedgerRecord.GroupElected group) {
    }

    /**
     * Member 2 submits tasks of {@code service} (the {@code t}-th with the data capsules {@code data(t)}) until the
     * members' real draws elect a group {@code wanted} accepts; the task and that group, which the caller records.
     */
    static Electable electable(Ledger ledger, int n, Predicate<TaskElection.Group> wanted, long service,
                               java.util.function.IntFunction<List<byte[]>> data) {
        FleetLedger fleet = new FleetLedger(ledger);
        for (int t = 0; t < 500; t++) {
            ledger.deposit(Lab.keys(2).member(), 10); // the payment the task escrows
            LedgerEntry task = ledger.append(LedgerRecord.TaskSubmitted.sign(secret(2), service, data.apply(t), GROUP_SIZE, 0, 0, 10, 100_000));
            FleetLedger.Snapshot at = fleet.atEntry(task);
            List<TaskElection.Claim> claims = new ArrayList<>();
            List<LedgerRecord.GroupClaim> drawn = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                MemberKeys k = Lab.keys(i);
                long credit = at.member(k.member()).orElseThrow().credit();
                MemberSortition.Draw d = k.draw(TaskElection.alpha(task), credit, at.totalCredit(), GROUP_SIZE);
                claims.add(new TaskElection.Claim(k.member(), k.vrfKey(), credit, d.proof(), d.votes()));
                if (d.votes() > 0) {
                    drawn.add(new LedgerRecord.GroupClaim(k.member(), d.votes(), d.proof()));
                }
            }
            TaskElection.Group g = TaskElection.elect(task, at.members(), at.totalCredit(), claims);
            if (g.canRun() && wanted.test(g)) {
                drawn.sort((a, b) -> Arrays.compareUnsigned(a.member(), b.member()));
                return new Electable(task, new LedgerRecord.GroupElected(task.seq(), HexFormat.of().parseHex(g.executor().orElseThrow().memberId()),
                        drawn));
            }
        }
        throw new IllegalStateException("no task of 500 elected such a group");
    }

    /** The executor is member 0 and at least two of members 1..n-1 are monitors, and at least one is not. */
    static Predicate<TaskElection.Group> executorZeroWithOutsiders(int n) {
        return g -> g.executor().orElseThrow().memberId().equals(Lab.keys(0).memberHex()) && g.monitors().size() >= 2 && g.monitors().size() < n - 1;
    }

    /** Lab member {@code i}'s verdict in task round {@code id}, with its claim's votes and proof ({@code votes}: other votes). */
    static org.leo.consensus.quorum.Verdict verdict(TaskCommittee c, org.leo.consensus.quorum.RoundId id, int i, long votes,
                                                    org.leo.consensus.quorum.Verdict.Outcome outcome) {
        MemberKeys k = Lab.keys(i);
        byte[] proof = c.proofOf(k.memberHex()).orElseThrow();
        return k.sign(id, (int) votes, proof, outcome, Lab.sha256("evidence " + id.round() + " " + i));
    }

    /** The lab members that are monitors of {@code c}, by index. */
    static List<Integer> monitors(TaskCommittee c, int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (c.isMonitor(Lab.keys(i).memberHex())) {
                out.add(i);
            }
        }
        return out;
    }
}
