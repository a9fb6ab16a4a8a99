package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;

/**
 * Task rounds in the executor's Pi's {@link Rounds}, without the network ({@link RoundsLab}, {@link TaskRoundLab}): only
 * {@link Rounds#openTask} opens one, only the task's monitors with their claims' votes count, and what was counted
 * survives a restart and a kill -9 (the committee is read from the ledger again).
 */
class TaskRoundsJournalTest {
    @TempDir
    Path tmp;

    private static LedgerEntry lastGroup(EmbeddedLedger ledger) {
        return ledger.entries(1, 100_000).stream().filter(e -> e.record() instanceof LedgerRecord.GroupElected).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void onlyOpenedTaskRoundsTakeVerdictsOnlyTheMonitorsCountAndARestartKeepsThem() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            RoundsLab lab = new RoundsLab(ledger);
            LedgerEntry group = TaskRoundLab.group(ledger, RoundsLab.MEMBERS, TaskRoundLab.executorZeroWithOutsiders(RoundsLab.MEMBERS));
            TaskCommittee c = TaskCommittee.of(new FleetLedger(ledger), group);
            List<Integer> monitors = TaskRoundLab.monitors(c, RoundsLab.MEMBERS);
            int outsider = java.util.stream.IntStream.range(1, RoundsLab.MEMBERS).filter(i -> !monitors.contains(i)).findFirst().orElseThrow();
            RoundId id = TaskRoundsJournalMain.round(group, c, 0);
            RoundsLab.HandClock clock = new RoundsLab.HandClock(Instant.parse("2026-12-07T05:00:00Z"));
            List<Verdict> honest = new ArrayList<>();
            try (RoundJournal journal = RoundJournal.open(tmp.resolve("rounds.db"))) {
                Rounds rounds = lab.rounds(clock, Optional.of(journal));
                int first = monitors.get(0);
                long votes = c.votesOf(Lab.keys(first).memberHex());
                assertThat(rounds.offer(TaskRoundLab.verdict(c, id, first, votes, Verdict.Outcome.TRUSTED).encode()).refused())
                        .map(Rounds.Refused::reason).as("not opened").contains("TASK_ROUND_NOT_OPEN");
                assertThat(rounds.openTask(lab.round(5), c)).map(Rounds.Refused::reason).as("a scheduled round's number").contains("NOT_A_TASK_ROUND");
                assertThat(rounds.openTask(id, c)).isEmpty();
                assertThat(rounds.offer(TaskRoundLab.verdict(c, id, first, votes + 1, Verdict.Outcome.TRUSTED).encode()).refused())
                        .map(Rounds.Refused::reason).as("more votes than its claim").contains("INFLATED_VOTES");
                Verdict stranger = Lab.keys(outsider).sign(id, (int) votes, c.proofOf(Lab.keys(first).memberHex()).orElseThrow(),
                        Verdict.Outcome.UNTRUSTED, Lab.sha256("made up"));
                assertThat(rounds.offer(stranger.encode()).refused()).map(Rounds.Refused::reason).as("not a monitor").contains("NOT_SELECTED");
                for (int i : monitors) {
                    Verdict v = TaskRoundLab.verdict(c, id, i, c.votesOf(Lab.keys(i).memberHex()), Verdict.Outcome.TRUSTED);
                    assertThat(rounds.offer(v.encode()).counted()).isTrue();
                    honest.add(v);
                }
            }
            try (RoundJournal journal = RoundJournal.open(tmp.resolve("rounds.db"))) {
                Rounds after = lab.rounds(clock, Optional.of(journal));
                assertThat(after.offer(honest.get(0).encode()).refused()).map(Rounds.Refused::reason).as("restored").contains("REPLAYED");
                Rounds.Closed closed = after.close(id);
                QuorumCertificate cert = closed.certificate().orElseThrow();
                assertThat(cert.outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
                assertThat(cert.verdicts()).containsExactlyInAnyOrderElementsOf(honest);
                assertThat(cert.votes()).isEqualTo(c.expectedCommitteeSize());
                assertThat(((LedgerRecord.CertificateRecorded) closed.entry().orElseThrow().record()).certificate()).isEqualTo(cert);
            }
        }
    }

    /**
     * A child JVM opens task rounds and counts the monitors' verdicts over a journal, printing each once counted; SIGKILL
     * after 20. Every acknowledged verdict is restored into its open task round (offered again: REPLAYED), and a round
     * all of whose monitors were acknowledged closes TRUSTED with their verdicts.
     */
    @Test
    void acknowledgedTaskRoundVerdictsSurviveKillMinus9() throws Exception {
        Path ledgerFile = tmp.resolve("crash-ledger.db");
        Path journalFile = tmp.resolve("crash-rounds.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(TaskRoundsJournalMain.class, 20, ledgerFile.toString(),
                journalFile.toString());
        try (EmbeddedLedger crashed = EmbeddedLedger.open(ledgerFile); RoundJournal j = RoundJournal.open(journalFile)) {
            RoundsLab lab = new RoundsLab(crashed);
            LedgerEntry group = lastGroup(crashed);
            TaskCommittee c = TaskCommittee.of(new FleetLedger(crashed), group);
            Rounds rounds = lab.rounds(Clock.systemUTC(), Optional.of(j));
            Map<Integer, List<Verdict>> byAttempt = new TreeMap<>();
            for (long a : acked) {
                int attempt = (int) (a / RoundsJournalMain.SLOTS);
                int i = (int) (a % RoundsJournalMain.SLOTS);
                RoundId id = TaskRoundsJournalMain.round(group, c, attempt);
                Verdict v = TaskRoundLab.verdict(c, id, i, c.votesOf(Lab.keys(i).memberHex()), Verdict.Outcome.TRUSTED);
                assertThat(rounds.offer(v.encode()).refused()).map(Rounds.Refused::reason).as("%s of member %d", id, i).contains("REPLAYED");
                byAttempt.computeIfAbsent(attempt, k -> new ArrayList<>()).add(v);
            }
            int certified = 0;
            for (Map.Entry<Integer, List<Verdict>> e : byAttempt.entrySet()) {
                Rounds.Closed closed = rounds.close(TaskRoundsJournalMain.round(group, c, e.getKey()));
                if (e.getValue().size() == c.monitors().size()) {
                    assertThat(closed.certificate().orElseThrow().verdicts()).containsExactlyInAnyOrderElementsOf(e.getValue());
                    assertThat(closed.entry()).isPresent();
                    certified++;
                }
            }
            assertThat(certified).isPositive();
            System.out.println("kill -9: the child acknowledged " + acked.size() + " task-round verdicts in " + byAttempt.size()
                    + " rounds; every one was restored; " + certified + " round(s) closed TRUSTED with all their monitors' verdicts");
        }
    }
}
