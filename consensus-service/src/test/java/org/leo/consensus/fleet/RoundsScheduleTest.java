package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/**
 * On a Pi that follows the fleet's schedule, a round opens only while it runs and only at the head
 * of its start: a member cannot pick, among the recent heads, the one that gives it the most votes,
 * nor open a past or a future round. Each refusal is NOT_THIS_ROUND with a sentence.
 */
class RoundsScheduleTest {
    static final Duration PERIOD = Duration.ofSeconds(12);

    @TempDir
    Path tmp;

    @Test
    void onlyTheCurrentRoundOpensAndOnlyAtTheHeadOfItsStart() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            RoundsLab lab = new RoundsLab(ledger);
            RoundId round = lab.roundWhere(1000, v -> v[1] > 0 && v[2] > 0);
            Instant start = Instant.ofEpochMilli(round.round() * PERIOD.toMillis());
            RoundsLab.HandClock clock = new RoundsLab.HandClock(start.plusMillis(300));
            Rounds rounds = lab.rounds(clock, Optional.empty());
            rounds.followSchedule(PERIOD);
            rounds.roundStarted(round.round(), ledger.headHash());

            Rounds.Offer now = rounds.offer(lab.verdict(round, 1, Verdict.Outcome.TRUSTED, "e").encode());
            assertThat(now.counted()).as(now.toString()).isTrue();

            // the same round number drawn at an earlier (recent) head: the votes a member would grind for
            byte[] earlier = ledger.entries(RoundsLab.MEMBERS - 1, 1).get(0).hash();
            RoundId ground = new RoundId(earlier, round.hpc(), round.round());
            assertThat(refusal(rounds.offer(signed(ground))))
                    .startsWith("NOT_THIS_ROUND: round " + round.round() + " is drawn at ledger head ").contains("(this Pi's at its start), not ");

            RoundId next = new RoundId(ledger.headHash(), round.hpc(), round.round() + 1);
            assertThat(refusal(rounds.offer(signed(next))))
                    .as("the next round has not started").startsWith("NOT_THIS_ROUND: round " + next.round() + " runs from ");
            assertThat(rounds.challenge(next, Lab.keys(2).member(), new byte[80], 1)).get().extracting(Rounds.Refused::reason)
                    .isEqualTo("NOT_THIS_ROUND");

            clock.advance(PERIOD.multipliedBy(10)); // past round + 2 and its 40 s of being open
            RoundId past = new RoundId(ledger.headHash(), round.hpc(), round.round() + 2);
            assertThat(refusal(rounds.offer(signed(past))))
                    .as("a round that has ended").startsWith("NOT_THIS_ROUND: round " + past.round() + " runs from ");

            // the round opened in time stays open to its deadline, whatever the schedule says now
            assertThat(rounds.offer(lab.verdict(round, 2, Verdict.Outcome.TRUSTED, "e").encode()).counted()).isTrue();
        }
    }

    @Test
    void withoutItsOwnReadingAtTheStartThePiReadsTheHeadWhenTheFirstChallengeComes() throws Exception {
        try (EmbeddedLedger ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            RoundsLab lab = new RoundsLab(ledger);
            RoundId round = lab.roundWhere(2000, v -> v[1] > 0);
            RoundsLab.HandClock clock = new RoundsLab.HandClock(Instant.ofEpochMilli(round.round() * PERIOD.toMillis()).minusSeconds(1));
            Rounds rounds = lab.rounds(clock, Optional.empty());
            rounds.followSchedule(PERIOD);
            assertThat(rounds.offer(lab.verdict(round, 1, Verdict.Outcome.TRUSTED, "e").encode()).counted())
                    .as("a verifier whose clock is a second ahead").isTrue();
        }
    }

    /** A verdict of member 2 for {@code id} (the round is refused before its votes are checked). */
    private static byte[] signed(RoundId id) {
        return Lab.keys(2).sign(id, 1, new byte[80], Verdict.Outcome.UNTRUSTED, Lab.sha256("e")).encode();
    }

    private static String refusal(Rounds.Offer o) {
        assertThat(o.counted()).isFalse();
        return o.refused().map(r -> r.reason() + ": " + r.message()).orElseThrow();
    }
}
