package org.leo.consensus.fleet;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/**
 * Child JVM for the round journal's kill -9 test: the HPC's Pi's {@link Rounds} over a journal and
 * an embedded ledger ({@link RoundsLab}), offered every seated member's TRUSTED verdict round after
 * round (the rounds whose seated votes reach TRUSTED); each verdict's number ({@link #number}) is
 * printed once the offer answered counted. Even rounds are closed once their verdicts are in, odd
 * ones are left open (their deadline is far off), so the kill finds both.
 */
public final class RoundsJournalMain {
    /** Verdict numbers: round number times this, plus the member. */
    static final int SLOTS = 16;

    private RoundsJournalMain() {
    }

    static long number(RoundId round, int member) {
        return round.round() * SLOTS + member;
    }

    /** {@code args}: the ledger file, the journal file. */
    public static void main(String[] args) throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(Path.of(args[0])); RoundJournal journal = RoundJournal.open(Path.of(args[1]))) {
            RoundsLab lab = new RoundsLab(ledger);
            Rounds rounds = lab.rounds(Clock.systemUTC(), Optional.of(journal));
            for (long n = 1; ; n++) {
                RoundId id = lab.round(n);
                long[] votes = lab.votes(id);
                if (RoundsLab.sum(votes) < RoundsLab.TRUSTED) {
                    continue;
                }
                for (int i = 1; i < RoundsLab.MEMBERS; i++) {
                    if (votes[i] > 0 && rounds.offer(lab.verdict(id, i, Verdict.Outcome.TRUSTED, "evidence").encode()).counted()) {
                        System.out.println(number(id, i));
                        System.out.flush();
                    }
                }
                if (n % 2 == 0) {
                    rounds.close(id);
                }
            }
        }
    }
}
