package org.leo.consensus.fleet;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;

/**
 * Child JVM for the task rounds' kill -9 test: on a lab ledger ({@link RoundsLab}) with a task whose executor is
 * member 0 ({@link TaskRoundLab}), the executor's Pi's {@link Rounds} over a journal opens the task's ATTEST rounds attempt
 * after attempt and is offered each monitor's TRUSTED verdict; each verdict's number (attempt times
 * {@link RoundsJournalMain#SLOTS} plus the member) is printed once the offer answered counted. No round is closed.
 */
public final class TaskRoundsJournalMain {
    private TaskRoundsJournalMain() {
    }

    static RoundId round(LedgerEntry group, TaskCommittee c, int attempt) {
        return new TaskRound(c.taskSeq(), TaskRound.Phase.ATTEST, attempt).roundId(group.hash(), RoundsLab.HPC);
    }

    /** {@code args}: the ledger file, the journal file. */
    public static void main(String[] args) throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(Path.of(args[0])); RoundJournal journal = RoundJournal.open(Path.of(args[1]))) {
            RoundsLab lab = new RoundsLab(ledger);
            LedgerEntry group = TaskRoundLab.group(ledger, RoundsLab.MEMBERS, TaskRoundLab.executorZeroWithOutsiders(RoundsLab.MEMBERS));
            TaskCommittee c = TaskCommittee.of(new FleetLedger(ledger), group);
            Rounds rounds = lab.rounds(Clock.systemUTC(), Optional.of(journal));
            for (int attempt = 0; attempt <= TaskRound.MAX_ATTEMPT; attempt++) {
                RoundId id = round(group, c, attempt);
                if (rounds.openTask(id, c).isPresent()) {
                    throw new IllegalStateException(id + " did not open");
                }
                for (int i : TaskRoundLab.monitors(c, RoundsLab.MEMBERS)) {
                    Verdict v = TaskRoundLab.verdict(c, id, i, c.votesOf(Lab.keys(i).memberHex()), Verdict.Outcome.TRUSTED);
                    if (rounds.offer(v.encode()).counted()) {
                        System.out.println((long) attempt * RoundsJournalMain.SLOTS + i);
                        System.out.flush();
                    }
                }
            }
            Thread.sleep(Long.MAX_VALUE); // the parent kills this process
        }
    }
}
