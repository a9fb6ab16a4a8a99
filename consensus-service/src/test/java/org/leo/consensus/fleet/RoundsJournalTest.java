package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.QuorumCollector;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.quorum.Verdict.Outcome;

/**
 * {@link Rounds} over a {@link RoundJournal}: a Rounds is dropped without closing anything (what a
 * kill -9 leaves: the journal file and the ledger), and a new one over the same journal must hold
 * every verdict it counted and every round it closed. Real verdicts: the lab members' keys and
 * draws, checked by {@link LedgerVotes} on an embedded ledger ({@link RoundsLab}).
 */
class RoundsJournalTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private EmbeddedLedger ledger;
    private RoundsLab lab;
    private RoundJournal journal;
    private final RoundsLab.HandClock clock = new RoundsLab.HandClock(T0);

    @BeforeEach
    void admitTheLab() throws Exception {
        ledger = EmbeddedLedger.open(tmp.resolve("ledger.db"));
        lab = new RoundsLab(ledger);
    }

    @AfterEach
    void closeFiles() {
        if (journal != null) {
            journal.close();
        }
        ledger.close();
    }

    /** A new Rounds over the journal file, as after a restart (the previous one, if any, is dropped as a kill -9 drops it). */
    private Rounds restart(Ledger over) throws Exception {
        if (journal != null) {
            journal.close();
        }
        journal = RoundJournal.open(tmp.resolve("rounds.db"));
        return new RoundsLab(over).rounds(clock, Optional.of(journal));
    }

    private RoundId trustedRound() {
        return lab.roundWhere(1, v -> RoundsLab.sum(v) >= RoundsLab.TRUSTED);
    }

    /** A round whose seated members but the first still reach TRUSTED: the first one's verdict can come late. */
    private RoundId trustedWithoutTheFirst() {
        return lab.roundWhere(1, v -> {
            int first = 1;
            while (first < v.length - 1 && v[first] == 0) {
                first++;
            }
            return RoundsLab.sum(v) - v[first] >= RoundsLab.TRUSTED;
        });
    }

    private static void countAll(Rounds rounds, List<Verdict> verdicts) {
        for (Verdict v : verdicts) {
            assertThat(rounds.offer(v.encode()).counted()).as("%s", v).isTrue();
        }
    }

    /** A Rounds over {@code over} that counted every seated member's TRUSTED verdict in {@code id}, the clock now at its deadline. */
    private Rounds countedToTheDeadline(RoundId id, Ledger over) throws Exception {
        Rounds rounds = restart(over);
        countAll(rounds, lab.seated(id, Outcome.TRUSTED));
        clock.advance(RoundsLab.DEADLINE);
        return rounds;
    }

    private List<LedgerRecord.CertificateRecorded> certificatesOf(RoundId id) {
        return ledger.entries(1, 10_000).stream().map(LedgerEntry::record).filter(r -> r instanceof LedgerRecord.CertificateRecorded)
                .map(r -> (LedgerRecord.CertificateRecorded) r).filter(c -> c.certificate().round().equals(id)).toList();
    }

    @Test
    void verdictsCountedBeforeARestartAreRestoredAndCloseTheRoundWithThemAll() throws Exception {
        RoundId id = trustedRound();
        List<Verdict> counted = lab.seated(id, Outcome.TRUSTED);
        countAll(restart(ledger), counted);

        Rounds after = restart(ledger);
        assertThat(after.closed(id)).as("the round is still open").isEmpty();
        Rounds.Offer again = after.offer(counted.get(0).encode());
        assertThat(again.refused()).map(Rounds.Refused::reason).as("it counted already").contains(QuorumCollector.Reason.REPLAYED.name());
        assertThat(again.certificate()).as("the votes restored reach TRUSTED").hasValueSatisfying(c -> assertThat(c.outcome()).isEqualTo(Outcome.TRUSTED));

        Rounds.Closed closed = after.close(id);
        QuorumCertificate cert = closed.certificate().orElseThrow();
        assertThat(cert.verdicts()).containsExactlyInAnyOrderElementsOf(counted);
        assertThat(cert.votes()).isEqualTo(RoundsLab.sum(lab.votes(id)));
        LedgerEntry entry = closed.entry().orElseThrow();
        assertThat(entry.seq()).isEqualTo(ledger.head().orElseThrow().seq());
        assertThat(((LedgerRecord.CertificateRecorded) entry.record()).certificate()).isEqualTo(cert);
        System.out.println("restored: " + counted.size() + " verdict(s), " + cert.votes() + " vote(s) " + cert.outcome() + ", ledger entry #"
                + entry.seq());
    }

    @Test
    void closedRoundsStayClosedAfterARestart() throws Exception {
        RoundId certified = trustedWithoutTheFirst();
        List<Verdict> seated = lab.seated(certified, Outcome.TRUSTED);
        RoundId uncertified = lab.roundWhere(certified.round() + 1, v -> v[1] > 0 && v[1] < RoundsLab.TRUSTED);
        Rounds before = restart(ledger);
        countAll(before, seated.subList(1, seated.size()));
        LedgerEntry entry = before.close(certified).entry().orElseThrow();
        Verdict alone = lab.verdict(uncertified, 1, Outcome.TRUSTED, "clean");
        countAll(before, List.of(alone));
        assertThat(before.close(uncertified).certificate()).isEmpty();
        RoundId neverOpened = lab.roundWhere(uncertified.round() + 1, v -> v[1] > 0);
        before.close(neverOpened);

        Rounds after = restart(ledger);
        Rounds.Offer o = after.offer(seated.get(0).encode());
        assertThat(o.counted()).isFalse();
        assertThat(o.refused()).map(Rounds.Refused::reason).contains(FleetRefusal.ROUND_CLOSED.name());
        assertThat(o.recorded()).map(LedgerEntry::seq).as("it answers with its certificate as recorded").contains(entry.seq());
        assertThat(o.certificate()).contains(((LedgerRecord.CertificateRecorded) entry.record()).certificate());
        var draw = Lab.draw(Lab.keys(2), new FleetLedger(ledger).at(certified.ledgerHead()).orElseThrow(), certified, RoundsLab.TAU);
        assertThat(after.challenge(certified, Lab.keys(2).member(), draw.proof(), draw.votes())).map(Rounds.Refused::reason)
                .contains(FleetRefusal.ROUND_CLOSED.name());
        assertThat(after.close(certified).entry()).map(LedgerEntry::seq).contains(entry.seq());
        assertThat(after.closed(uncertified)).hasValueSatisfying(c -> assertThat(c.certificate()).isEmpty());
        assertThat(after.offer(alone.encode()).refused()).map(Rounds.Refused::reason)
                .contains(FleetRefusal.ROUND_CLOSED.name());
        assertThat(after.offer(lab.verdict(neverOpened, 1, Outcome.TRUSTED, "clean").encode()).refused()).map(Rounds.Refused::reason)
                .contains(FleetRefusal.ROUND_CLOSED.name());
        assertThat(certificatesOf(certified)).as("one certificate, however often it closes").hasSize(1);
    }

    @Test
    void aRestoredRoundWhoseDeadlinePassedIsClosedByTheNextSweep() throws Exception {
        RoundId id = trustedRound();
        List<Verdict> counted = lab.seated(id, Outcome.TRUSTED);
        countAll(restart(ledger), counted);

        clock.advance(RoundsLab.DEADLINE.minusSeconds(1));
        Rounds after = restart(ledger);
        assertThat(after.closeDue()).as("it keeps its original deadline, not one from the restart").isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(after.closeDue()).isEqualTo(1);
        QuorumCertificate cert = after.closed(id).orElseThrow().certificate().orElseThrow();
        assertThat(cert.verdicts()).containsExactlyInAnyOrderElementsOf(counted);
        assertThat(certificatesOf(id)).extracting(LedgerRecord.CertificateRecorded::certificate).containsExactly(cert);
    }

    @Test
    void anEquivocationBeforeARestartStillTakesTheMembersVotesAwayAndIsRecorded() throws Exception {
        RoundId id = lab.roundWhere(1, v -> v[1] > 0 && RoundsLab.sum(v) - v[1] >= RoundsLab.TRUSTED);
        Rounds before = restart(ledger);
        countAll(before, lab.seated(id, Outcome.TRUSTED));
        Verdict other = lab.verdict(id, 1, Outcome.UNTRUSTED, "tampered");
        assertThat(before.offer(other.encode()).refused()).map(Rounds.Refused::reason).contains(QuorumCollector.Reason.EQUIVOCATION.name());

        Rounds after = restart(ledger);
        Rounds.Closed closed = after.close(id);
        assertThat(closed.certificate().orElseThrow().verdicts()).extracting(Verdict::memberHex).doesNotContain(Lab.keys(1).memberHex());
        assertThat(closed.certificate().orElseThrow().votes()).isEqualTo(RoundsLab.sum(lab.votes(id)) - lab.votes(id)[1]);
        assertThat(ledger.entries(1, 100)).extracting(LedgerEntry::record).filteredOn(r -> r instanceof LedgerRecord.EquivocationRecorded)
                .extracting(r -> ((LedgerRecord.EquivocationRecorded) r).evidence().memberHex()).containsExactly(Lab.keys(1).memberHex());
    }

    @Test
    void aVerdictTheJournalCannotWriteIsRefusedAndNotCounted() throws Exception {
        RoundId id = trustedRound();
        List<Verdict> seated = lab.seated(id, Outcome.TRUSTED);
        Rounds rounds = restart(ledger);
        countAll(rounds, seated.subList(0, seated.size() - 1));
        journal.close(); // every write fails from here on
        Rounds.Offer last = rounds.offer(seated.get(seated.size() - 1).encode());
        assertThat(last.counted()).isFalse();
        assertThat(last.refused()).map(Rounds.Refused::reason).contains(FleetRefusal.JOURNAL_FAILED.name());
        List<Verdict> others = seated.subList(0, seated.size() - 1);
        long votes = others.stream().mapToLong(Verdict::votes).sum();
        assertThat(last.certificate()).as("the others' votes only").isEqualTo(votes >= RoundsLab.TRUSTED
                ? Optional.of(new QuorumCertificate(id, Outcome.TRUSTED, others)) : Optional.empty());
        RoundId another = lab.roundWhere(id.round() + 1, v -> v[1] > 0);
        assertThat(rounds.offer(lab.verdict(another, 1, Outcome.TRUSTED, "clean").encode()).refused()).map(Rounds.Refused::reason)
                .as("nor does a round open").contains(FleetRefusal.JOURNAL_FAILED.name());
    }

    @Test
    void aCertificateTheLedgerRefusesClosesTheRoundWithoutAnEntry() throws Exception {
        RoundId id = trustedRound();
        FlakyLedger flaky = FlakyLedger.failing(ledger, FlakyLedger.Fault.REFUSED);
        Rounds rounds = countedToTheDeadline(id, flaky);
        assertThat(rounds.closeDue()).isEqualTo(1);
        Rounds.Closed closed = rounds.closed(id).orElseThrow();
        assertThat(closed.certificate()).isPresent();
        assertThat(closed.entry()).isEmpty();
        assertThat(certificatesOf(id)).isEmpty();
        assertThat(restart(flaky).closed(id)).as("closed for good").hasValueSatisfying(c -> assertThat(c.entry()).isEmpty());
        assertThat(flaky.attempts()).isEqualTo(1);
    }

    @Test
    void anUnreachableLedgerKeepsTheRoundOpenAndTheSweepTriesAgain() throws Exception {
        RoundId id = trustedRound();
        FlakyLedger flaky = FlakyLedger.failing(ledger, FlakyLedger.Fault.UNREACHABLE, FlakyLedger.Fault.UNREACHABLE);
        Rounds rounds = countedToTheDeadline(id, flaky);
        assertThat(rounds.closeDue()).isZero();
        assertThat(rounds.closed(id)).isEmpty();
        assertThat(rounds.offer(lab.seated(id, Outcome.TRUSTED).get(0).encode()).refused()).map(Rounds.Refused::reason).as("closing has begun")
                .contains(FleetRefusal.ROUND_CLOSED.name());
        assertThat(rounds.closeDue()).as("not before the retry is due").isZero();
        assertThat(flaky.attempts()).isEqualTo(1);
        clock.advance(RoundRecorder.FIRST_RETRY);
        assertThatThrownBy(() -> rounds.close(id)).isInstanceOf(IllegalStateException.class).hasMessageContaining("the round stays open");
        clock.advance(RoundRecorder.FIRST_RETRY.multipliedBy(4));
        assertThat(rounds.closeDue()).isEqualTo(1);
        assertThat(flaky.attempts()).isEqualTo(3);
        assertThat(certificatesOf(id)).extracting(LedgerRecord.CertificateRecorded::certificate)
                .containsExactly(rounds.closed(id).orElseThrow().certificate().orElseThrow());
    }

    @Test
    void aLedgerThatStaysUnreachableIsGivenUpOnAfterTheLastAttempt() throws Exception {
        RoundId id = trustedRound();
        FlakyLedger down = FlakyLedger.down(ledger);
        Rounds rounds = countedToTheDeadline(id, down);
        int closedNow = 0;
        for (int sweep = 0; sweep < 2 * RoundRecorder.CLOSE_ATTEMPTS && closedNow == 0; sweep++) {
            closedNow = rounds.closeDue();
            clock.advance(RoundRecorder.MAX_RETRY);
        }
        assertThat(closedNow).isEqualTo(1);
        assertThat(down.attempts()).isEqualTo(RoundRecorder.CLOSE_ATTEMPTS);
        assertThat(rounds.closed(id).orElseThrow().entry()).isEmpty();
    }

    @Test
    void aCertificateThatReachedTheLedgerBeforeTheFailureIsNotAppendedAgainAfterARestart() throws Exception {
        RoundId id = trustedRound();
        Rounds before = countedToTheDeadline(id, FlakyLedger.failing(ledger, FlakyLedger.Fault.APPENDED_THEN_UNREACHABLE));
        assertThat(before.closeDue()).as("the append's answer was lost").isZero();
        LedgerEntry landed = ledger.head().orElseThrow();

        Rounds after = restart(ledger);
        assertThat(after.closeDue()).isEqualTo(1);
        assertThat(after.closed(id).orElseThrow().entry()).map(LedgerEntry::seq).contains(landed.seq());
        assertThat(certificatesOf(id)).hasSize(1);
        assertThat(ledger.head().orElseThrow().seq()).as("nothing appended since").isEqualTo(landed.seq());
    }

    @Test
    void anUntrustedQuorumWhoseRecordingFailedIsRecordedByTheFirstSweepAfterARestart() throws Exception {
        RoundId id = lab.roundWhere(1, v -> RoundsLab.sum(v) >= RoundsLab.UNTRUSTED);
        Rounds before = restart(FlakyLedger.failing(ledger, FlakyLedger.Fault.UNREACHABLE));
        List<Rounds.Offer> offers = lab.seated(id, Outcome.UNTRUSTED).stream().map(v -> before.offer(v.encode())).toList();
        assertThat(offers).anySatisfy(o -> assertThat(o.certificate()).isPresent()).allSatisfy(o -> assertThat(o.recorded()).isEmpty());

        Rounds after = restart(ledger);
        assertThat(after.closeDue()).as("final before its deadline").isEqualTo(1);
        assertThat(after.closed(id).orElseThrow().certificate().orElseThrow().outcome()).isEqualTo(Outcome.UNTRUSTED);
        assertThat(certificatesOf(id)).hasSize(1);
    }

    /**
     * A child JVM counts the lab's verdicts round after round over a journal and an embedded ledger, closing the even
     * rounds and leaving the odd ones open, and prints each verdict once the offer answered counted; SIGKILL after 40.
     * Every verdict it acknowledged is then in its round: in the certificate of a round it closed, or restored into an
     * open round whose closing records a certificate holding it (when the acknowledged votes reach TRUSTED).
     */
    @Test
    void acknowledgedVerdictsSurviveKillMinus9() throws Exception {
        Path ledgerFile = tmp.resolve("crash-ledger.db");
        Path journalFile = tmp.resolve("crash-rounds.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(RoundsJournalMain.class, 40, ledgerFile.toString(),
                journalFile.toString());
        try (EmbeddedLedger crashed = EmbeddedLedger.open(ledgerFile); RoundJournal j = RoundJournal.open(journalFile)) {
            assertThat(crashed.verifyChain()).isEmpty();
            RoundsLab lab = new RoundsLab(crashed);
            Rounds rounds = lab.rounds(Clock.systemUTC(), Optional.of(j));
            TreeMap<Long, List<Verdict>> byRound = new TreeMap<>();
            for (long a : acked) {
                long n = a / RoundsJournalMain.SLOTS;
                byRound.computeIfAbsent(n, k -> new ArrayList<>()).add(lab.verdict(lab.round(n), (int) (a % RoundsJournalMain.SLOTS),
                        Outcome.TRUSTED, "evidence"));
            }
            long lastRound = byRound.lastKey();
            int closedBefore = 0;
            int restored = 0;
            for (Map.Entry<Long, List<Verdict>> e : byRound.entrySet()) {
                RoundId id = lab.round(e.getKey());
                Optional<Rounds.Closed> was = rounds.closed(id);
                if (e.getKey() % 2 == 1) {
                    assertThat(was).as("%s was left open", id).isEmpty();
                } else if (e.getKey() < lastRound) {
                    assertThat(was).as("%s was closed before the kill", id).isPresent();
                }
                Rounds.Closed c = was.isPresent() ? was.get() : rounds.close(id);
                closedBefore += was.isPresent() ? 1 : 0;
                restored += was.isPresent() ? 0 : 1;
                long ackedVotes = e.getValue().stream().mapToLong(Verdict::votes).sum();
                if (ackedVotes >= RoundsLab.TRUSTED) {
                    assertThat(c.certificate()).as("%s: %d vote(s) acknowledged", id, ackedVotes).isPresent();
                    assertThat(c.entry()).as("%s is recorded", id).isPresent();
                }
                c.certificate().ifPresent(cert -> {
                    assertThat(cert.verdicts()).as("%s", id).containsAll(e.getValue());
                    assertThat(lab.seated(id, Outcome.TRUSTED)).as("and nothing else").containsAll(cert.verdicts());
                });
                c.entry().ifPresent(entry -> assertThat(((LedgerRecord.CertificateRecorded) crashed.entries(entry.seq(), 1).get(0).record())
                        .certificate()).isEqualTo(c.certificate().orElseThrow()));
            }
            Map<RoundId, Long> certificates = crashed.entries(1, 10_000).stream().map(LedgerEntry::record)
                    .filter(r -> r instanceof LedgerRecord.CertificateRecorded).map(r -> ((LedgerRecord.CertificateRecorded) r).certificate().round())
                    .collect(Collectors.groupingBy(r -> r, Collectors.counting()));
            assertThat(certificates.values()).as("one certificate a round").allMatch(n -> n == 1);
            assertThat(restored).as("open rounds restored").isPositive();
            assertThat(closedBefore).as("rounds closed before the kill").isPositive();
            System.out.println("kill -9: the child acknowledged " + acked.size() + " verdicts in " + byRound.size() + " rounds; "
                    + closedBefore + " round(s) it closed stayed closed, " + restored + " open round(s) were restored and closed with every"
                    + " acknowledged verdict; the ledger holds " + certificates.size() + " certificates, one a round");
        }
    }
}
