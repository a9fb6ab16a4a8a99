package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.FleetLedger;
import org.leo.consensus.fleet.LedgerSettler;
import org.leo.consensus.quorum.Verdict.Outcome;
import org.leo.consensus.task.Settlement;
import org.leo.consensus.task.TaskRound.Phase;

/**
 * The settlement the rules call for (LedgerRules.settlement) is the one they accept, with exactly the penalties the records
 * give; the executor's Pi appends it (LedgerSettler); and the ledger's view of the task an HPC holds (taskOn) follows the
 * task's certificates and its expiry.
 */
class TaskSettlementDueTest {
    @TempDir
    Path tmp;

    @Test
    void theDueSettlementIsAcceptedPaysTheSplitAndPenalisesWhomTheRecordsSay() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            FleetLedger fleet = new FleetLedger(l);
            long service = TestFleet.market(l);

            long t1 = l.append(TestFleet.task(1, service, 100, 50)).seq();
            LedgerRecord.GroupElected g1 = TestFleet.group(t1, 2, 3, 4);
            byte[] h1 = l.append(g1).hash();
            assertThat(fleet.now().rules().settlement(t1)).as("no certificate yet").isEmpty();
            assertThat(fleet.now().taskOn(TestFleet.HPC)).as("no ATTEST certificate yet").isEmpty();
            long attest = l.append(TestFleet.taskCertificate(t1, h1, Phase.ATTEST, 0, Outcome.TRUSTED, 3, 4)).seq();
            assertThat(fleet.now().taskOn(TestFleet.HPC)).as("the HPC may hold task #" + t1).hasValueSatisfying(on -> {
                assertThat(on.taskSeq()).isEqualTo(t1);
                assertThat(on.imageId()).isEqualTo(TestFleet.service(0, 3).imageSha256());
            });
            assertThat(fleet.now().rules().settlement(t1)).as("no clean-up certificate yet").isEmpty();
            long cleanUp = l.append(TestFleet.taskCertificate(t1, h1, Phase.CLEANUP, 0, Outcome.TRUSTED, 3)).seq();
            assertThat(fleet.now().taskOn(TestFleet.HPC)).as("cleaned up").isEmpty();
            l.append(TestFleet.againstCertificate(4, cleanUp));
            LedgerRecord.TaskSettled due = fleet.now().rules().settlement(t1).orElseThrow();
            assertThat(due.certificateSeq()).isEqualTo(cleanUp);
            assertThat(due.penalised()).containsExactly(TestFleet.memberHex(4));
            assertThat(due.group().stream().map(s -> HexFormat.of().formatHex(s.member())).toList())
                    .containsExactlyElementsOf(g1.members().stream().map(m -> HexFormat.of().formatHex(m)).toList());

            long before = l.entries(0, Integer.MAX_VALUE).size();
            new LedgerSettler(fleet).settle(t1, 0, attest, cleanUp);
            List<LedgerEntry> all = l.entries(0, Integer.MAX_VALUE);
            assertThat(all).hasSize((int) before + 1);
            assertThat(all.get(all.size() - 1).record()).isInstanceOf(LedgerRecord.TaskSettled.class);
            Settlement.Split split = Settlement.split(100, 3, TestFleet.member(0), TestFleet.member(2), List.of(TestFleet.member(3),
                    TestFleet.member(4)), Set.of(TestFleet.memberHex(4)));
            split.paid().forEach((m, v) -> assertThat(l.balances().get(m)).as(m).isEqualTo(v));
            assertThat(fleet.now().rules().settlement(t1)).as("settled: nothing due").isEmpty();
            new LedgerSettler(fleet).settle(t1, 0, attest, cleanUp);
            assertThat(l.entries(0, Integer.MAX_VALUE)).as("a second call appends nothing").hasSize((int) before + 1);

            // an executor caught by an UNTRUSTED round of its task is penalised in the due settlement
            long t2 = l.append(TestFleet.task(1, service, 50, 50)).seq();
            LedgerRecord.GroupElected g2 = TestFleet.group(t2, 3, 2, 4);
            byte[] h2 = l.append(g2).hash();
            l.append(TestFleet.taskCertificate(t2, h2, Phase.ATTEST, 0, Outcome.UNTRUSTED, 2, 4));
            assertThat(fleet.now().taskOn(TestFleet.HPC)).as("an UNTRUSTED ATTEST round gives no task").isEmpty();
            l.append(TestFleet.taskCertificate(t2, h2, Phase.CLEANUP, 0, Outcome.TRUSTED, 2, 4));
            assertThat(fleet.now().rules().settlement(t2).orElseThrow().penalised()).containsExactly(TestFleet.memberHex(3));
            l.append(fleet.now().rules().settlement(t2).orElseThrow());

            // a task that expires after its ATTEST certificate is no longer the HPC's
            long t3 = l.append(TestFleet.task(1, service, 20, 3)).seq();
            byte[] h3 = l.append(TestFleet.group(t3, 2, 3)).hash();
            l.append(TestFleet.taskCertificate(t3, h3, Phase.ATTEST, 0, Outcome.TRUSTED, 3));
            assertThat(fleet.now().taskOn(TestFleet.HPC).orElseThrow().taskSeq()).isEqualTo(t3);
            l.append(TestFleet.referenceValues());
            l.append(new LedgerRecord.TaskExpired(t3));
            assertThat(fleet.now().taskOn(TestFleet.HPC)).as("expired").isEmpty();
            assertThat(fleet.now().rules().settlement(t3)).as("expired: nothing due").isEmpty();
        }
    }
}
