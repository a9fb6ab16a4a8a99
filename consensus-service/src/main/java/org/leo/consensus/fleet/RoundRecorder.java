package org.leo.consensus.fleet;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a closing round to the ledger for {@link Rounds}: its equivocations, then its certificate,
 * if it has one; and reads back the certificate of a round closed before a restart.
 *
 * <p>When the ledger fails: a record it refuses (its rules: an IllegalArgumentException) is logged
 * with the reason and not retried; a refused certificate closes its round without an entry, a
 * refused equivocation (recorded already, say) is skipped. Any other failure (the ledger or the
 * journal unreachable: IllegalStateException, UncheckedIOException, ...) keeps the round open, and
 * the attempt is repeated after {@link #FIRST_RETRY}, then twice as long each time up to
 * {@link #MAX_RETRY}, {@value #CLOSE_ATTEMPTS} attempts in all (about four minutes); then the round
 * closes without an entry, logged as an error with what it lost. Before the first append of a
 * certificate the ledger's head is journaled ({@link RoundJournal}); a later attempt, in this process
 * or after a restart, first looks for the certificate among the entries after that head, so a
 * certificate that reached the ledger just before a failure or a crash is found there and not
 * appended twice. Equivocations appended before a restart are appended again, and refused (once per
 * member and round) as the rules say.
 */
final class RoundRecorder {
    private static final Logger LOG = LoggerFactory.getLogger(RoundRecorder.class);
    static final int CLOSE_ATTEMPTS = 10;
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(1);

    /** What one attempt came to: the round is done (its entry, if the certificate was recorded), or stays open until its retry. */
    record Attempt(boolean done, Optional<LedgerEntry> entry) {
        static final Attempt AGAIN = new Attempt(false, Optional.empty());
    }

    private final FleetLedger ledger;
    private final Optional<RoundJournal> journal;
    private final Clock clock;

    RoundRecorder(FleetLedger ledger, Optional<RoundJournal> journal, Clock clock) {
        this.ledger = ledger;
        this.journal = journal;
        this.clock = clock;
    }

    /** Appends what {@code r} has not appended yet; on a failure that is not a refusal, sets its retry (or gives up). */
    Attempt record(OpenRound r) {
        Optional<QuorumCertificate> cert = r.collector().certificate();
        try {
            recordEquivocations(r);
            return new Attempt(true, cert.isEmpty() ? Optional.empty() : recordCertificate(r, cert.get()));
        } catch (RuntimeException e) { // not a refusal (those are handled per record): the ledger or the journal failed
            r.failedCloses++;
            if (r.failedCloses >= CLOSE_ATTEMPTS) {
                LOG.error("consensus: {}: closing failed {} times, the last with: {}; the round closes without a ledger entry, losing {}",
                        r.id, r.failedCloses, e.getMessage(), cert.map(c -> "its " + c.outcome() + " certificate of " + c.votes() + " vote(s)")
                                .orElse("no certificate"));
                return new Attempt(true, Optional.empty());
            }
            long wait = Math.min(MAX_RETRY.toMillis(), FIRST_RETRY.toMillis() << Math.min(r.failedCloses - 1, 20));
            r.retryAt = clock.instant().plusMillis(wait);
            LOG.warn("consensus: {}: closing failed: {}; the round stays open, attempt {} of {} in {} ms", r.id, e.getMessage(),
                    r.failedCloses + 1, CLOSE_ATTEMPTS, wait);
            return Attempt.AGAIN;
        }
    }

    private void recordEquivocations(OpenRound r) {
        List<Equivocation> found = r.collector().equivocations();
        for (; r.equivocationsDone < found.size(); r.equivocationsDone++) {
            Equivocation e = found.get(r.equivocationsDone);
            try {
                ledger.ledger().append(new LedgerRecord.EquivocationRecorded(e));
            } catch (IllegalArgumentException refused) {
                LOG.warn("consensus: {}: the ledger refused the equivocation of member {}: {}", r.id, e.memberHex(), refused.getMessage());
            }
        }
    }

    private Optional<LedgerEntry> recordCertificate(OpenRound r, QuorumCertificate cert) {
        if (r.closingFrom.isPresent()) {
            Optional<LedgerEntry> there = ledger.ledger().entries(r.closingFrom.getAsLong() + 1, FleetLedger.RECENT_HEADS).stream()
                    .filter(e -> e.record() instanceof LedgerRecord.CertificateRecorded c && c.certificate().round().equals(r.id)).findFirst();
            if (there.isPresent()) {
                LOG.info("consensus: {}: its certificate reached the ledger before a failure or a restart, entry #{}", r.id, there.get().seq());
                return there;
            }
        } else {
            long head = ledger.ledger().head().map(LedgerEntry::seq).orElse(0L);
            journal.ifPresent(j -> j.closing(r.id, head));
            r.closingFrom = OptionalLong.of(head);
        }
        try {
            LedgerEntry entry = ledger.ledger().append(new LedgerRecord.CertificateRecorded(cert));
            penalize(r, cert, entry.seq());
            return Optional.of(entry);
        } catch (IllegalArgumentException refused) {
            LOG.warn("consensus: {}: the ledger refused its {} certificate of {} vote(s): {}; the round closes without an entry", r.id,
                    cert.outcome(), cert.votes(), refused.getMessage());
            return Optional.empty();
        }
    }

    /**
     * Each member whose counted verdict was against the certificate recorded as entry {@code seq} loses 1
     * (CreditChanged; LedgerRules allows -1, once per member and certificate). Best effort: a refusal or a
     * failure loses that penalty, logged, and never the certificate.
     */
    private void penalize(OpenRound r, QuorumCertificate cert, long seq) {
        Verdict.Outcome against = cert.outcome() == Verdict.Outcome.TRUSTED ? Verdict.Outcome.UNTRUSTED : Verdict.Outcome.TRUSTED;
        for (Verdict v : r.collector().counted(against)) {
            String reason = "signed " + against + " against the " + cert.outcome() + " certificate of round " + r.id.round() + " of HPC "
                    + r.id.hpc();
            try {
                LedgerEntry e = ledger.ledger().append(new LedgerRecord.CreditChanged(v.member(), -1, seq, reason));
                LOG.info("consensus: {}: member {} {}: -1 credit, ledger entry #{}", r.id, v.memberHex(), reason, e.seq());
            } catch (RuntimeException failed) {
                LOG.warn("consensus: {}: member {} {}, but its -1 was not recorded: {}", r.id, v.memberHex(), reason, failed.getMessage());
            }
        }
    }

    /** The certificate of {@code id} at ledger entry {@code seq} (the journal says so); empty if the ledger holds none there or cannot be read. */
    Optional<Rounds.Closed> read(RoundId id, long seq) {
        try {
            List<LedgerEntry> at = ledger.ledger().entries(seq, 1);
            if (!at.isEmpty() && at.get(0).seq() == seq && at.get(0).record() instanceof LedgerRecord.CertificateRecorded c
                    && c.certificate().round().equals(id)) {
                return Optional.of(new Rounds.Closed(Optional.of(c.certificate()), Optional.of(at.get(0))));
            }
            LOG.warn("consensus: the round journal has the certificate of {} at ledger entry #{}, which holds none", id, seq);
            return Optional.of(new Rounds.Closed(Optional.empty(), Optional.empty()));
        } catch (RuntimeException e) {
            LOG.warn("consensus: {} is closed, its certificate at ledger entry #{} cannot be read now: {}", id, seq, e.getMessage());
            return Optional.empty();
        }
    }
}
