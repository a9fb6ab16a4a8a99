package org.leo.consensus.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.FleetLedger;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.ledger.LedgerRules;
import org.leo.consensus.sortition.MemberSortition;
import org.leo.consensus.vrf.Ecvrf;

/**
 * A task's execution group, elected by everyone alike from public data: twelve members with known keys, a service and a
 * task on an embedded ledger; each member draws, the group is elected from the claims, and forged claims are refused.
 */
class TaskElectionTest {
    static final int MEMBERS = 12;

    @TempDir
    Path tmp;

    static byte[] seed(String label, int i) {
        return org.leo.boot.manifest.Sha256.newDigest().digest((label + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    static byte[] member(int i) {
        byte[] p = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(seed("verdict", i), 0, p, 0);
        return p;
    }

    @Test
    void everyoneElectsTheSameGroupAndForgedClaimsAreRefused() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            for (int i = 0; i < MEMBERS; i++) {
                ledger.append(new LedgerRecord.MemberAdmitted(member(i), Ecvrf.publicKey(seed("vrf", i)), 10 + i));
            }
            long service = ledger.append(LedgerRecord.ServicePublished.sign(seed("verdict", 0), seed("image", 0), seed("code", 0), 3, "grey")).seq();
            ledger.deposit(member(1), 10);
            LedgerEntry task = ledger.append(LedgerRecord.TaskSubmitted.sign(seed("verdict", 1), service, List.of(seed("data", 0)), 8, 15, 12, 10, 100));
            FleetLedger.Snapshot at = new FleetLedger(ledger).at(task.hash()).orElseThrow();
            Map<String, LedgerRules.MemberState> members = at.members();

            List<TaskElection.Claim> claims = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                long credit = 10 + i;
                MemberSortition.Draw d = TaskElection.draw(seed("vrf", i), task, credit, at.totalCredit());
                claims.add(new TaskElection.Claim(member(i), Ecvrf.publicKey(seed("vrf", i)), credit, d.proof(), d.votes()));
            }
            TaskElection.Group group = TaskElection.elect(task, members, at.totalCredit(), claims);
            System.out.println("task #" + task.seq() + ": executor " + group.executor() + ", monitors " + group.monitors());
            assertThat(group.refused()).isEmpty();
            assertThat(group.canRun()).isTrue();
            long top = group.monitors().stream().mapToLong(c -> c.votes()).max().orElse(0);
            assertThat(group.executor().orElseThrow().votes()).as("the executor has the most votes of those eligible").isGreaterThanOrEqualTo(
                    group.monitors().stream().filter(m -> credit(members, m.memberId()) >= 15).mapToLong(c -> c.votes()).max().orElse(0));
            assertThat(credit(members, group.executor().orElseThrow().memberId())).as("executor credit >= 15").isGreaterThanOrEqualTo(15);
            assertThat(group.monitors()).allMatch(m -> credit(members, m.memberId()) >= 12);
            assertThat(top).isPositive();

            // the same claims in another order: the same group
            List<TaskElection.Claim> reversed = new ArrayList<>(claims);
            java.util.Collections.reverse(reversed);
            TaskElection.Group again = TaskElection.elect(task, members, at.totalCredit(), reversed);
            assertThat(again.executor()).isEqualTo(group.executor());
            assertThat(again.monitors()).isEqualTo(group.monitors());

            // the owner's Pi records the group's claims (the executor's and the monitors'); every reader re-elects the same group
            java.util.Set<String> inGroup = new java.util.HashSet<>();
            inGroup.add(group.executor().orElseThrow().memberId());
            group.monitors().forEach(m -> inGroup.add(m.memberId()));
            List<LedgerRecord.GroupClaim> drawn = new ArrayList<>();
            List<LedgerRecord.GroupClaim> everyDrawn = new ArrayList<>();
            for (TaskElection.Claim c : claims) {
                if (c.votes() > 0) {
                    everyDrawn.add(new LedgerRecord.GroupClaim(c.member(), c.votes(), c.proof()));
                    if (inGroup.contains(HexFormat.of().formatHex(c.member()))) {
                        drawn.add(everyDrawn.get(everyDrawn.size() - 1));
                    }
                }
            }
            drawn.sort((a, b) -> java.util.Arrays.compareUnsigned(a.member(), b.member()));
            everyDrawn.sort((a, b) -> java.util.Arrays.compareUnsigned(a.member(), b.member()));
            byte[] executorKey = HexFormat.of().parseHex(group.executor().orElseThrow().memberId());
            LedgerRecord.GroupElected recorded = new LedgerRecord.GroupElected(task.seq(), executorKey, drawn);
            assertThat(TaskElection.recordedGroupProblem(task, members, at.totalCredit(), recorded)).isEmpty();
            if (everyDrawn.size() > drawn.size()) {
                assertThat(TaskElection.recordedGroupProblem(task, members, at.totalCredit(), new LedgerRecord.GroupElected(task.seq(), executorKey,
                        everyDrawn))).as("a drawn member under the monitor credit is no monitor").get().asString().contains("is not a monitor");
            }
            String otherId = group.monitors().get(0).memberId();
            assertThat(TaskElection.recordedGroupProblem(task, members, at.totalCredit(), new LedgerRecord.GroupElected(task.seq(),
                    HexFormat.of().parseHex(otherId), drawn))).get().asString().contains("names executor " + otherId);
            LedgerEntry groupEntry = ledger.append(recorded);
            TaskElection.Group fromLedger = TaskElection.elect(task, members, at.totalCredit(), (LedgerRecord.GroupElected) groupEntry.record());
            assertThat(fromLedger.executor()).isEqualTo(group.executor());
            assertThat(fromLedger.monitors()).isEqualTo(group.monitors());
            assertThat(fromLedger.refused()).isEmpty();

            // forged claims: another member's proof (a replayed election proof), inflated votes, a stranger, a second claim
            TaskElection.Claim honest = claims.get(MEMBERS - 1);
            List<TaskElection.Claim> forged = List.of(
                    new TaskElection.Claim(member(2), Ecvrf.publicKey(seed("vrf", 2)), 12, honest.proof(), honest.votes()),
                    new TaskElection.Claim(member(3), Ecvrf.publicKey(seed("vrf", 3)), 13, claims.get(3).proof(), claims.get(3).votes() + 5),
                    new TaskElection.Claim(seed("stranger", 0), seed("stranger vrf", 0), 50, honest.proof(), 9),
                    honest, honest);
            TaskElection.Group bad = TaskElection.elect(task, members, at.totalCredit(), forged);
            String hex2 = HexFormat.of().formatHex(member(2));
            String hex3 = HexFormat.of().formatHex(member(3));
            assertThat(bad.refused()).hasSize(4);
            assertThat(bad.refused().get(0)).startsWith(hex2 + ": ");
            assertThat(bad.refused().get(1)).startsWith(hex3 + ": votes-mismatch");
            assertThat(bad.refused().get(2)).endsWith(": not a member with that VRF key and credit at task #" + task.seq());
            assertThat(bad.refused().get(3)).endsWith(": claimed twice");
        }
    }

    private static long credit(Map<String, LedgerRules.MemberState> members, String id) {
        return members.get(id).credit();
    }
}
