package org.leo.consensus.fleet;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;

/**
 * Follows the ledger for the task rpcs: each new task, group and certificate entry is passed on once, and the instant
 * this Pi first saw it is kept (the ledgers carry no time; a window or a freshness bound is measured from when this
 * Pi saw the entry, at the poll period's precision). Entries already on the ledger at the first poll have no such
 * instant: this Pi did not see them appear, so a certificate among them is never fresh.
 */
final class TaskWatch {
    /** Instants kept: far more task, group and certificate entries than a release bound spans. */
    static final int MAX_SEEN = 65_536;
    private static final int PAGE = 256;

    /** What the watch passes on. {@code atStart}: the entry was on the ledger before this Pi watched. */
    interface Listener {
        void task(LedgerEntry task, boolean atStart);

        void group(LedgerEntry group, boolean atStart);

        /** A certificate, settlement or expiry entry (what ends a task). */
        default void ended(LedgerEntry entry, boolean atStart) {
        }
    }

    private final Ledger ledger;
    private final Clock clock;
    private final Map<Long, Instant> seen = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Instant> eldest) {
            return size() > MAX_SEEN;
        }
    };
    private long next = 1;
    private boolean started;

    TaskWatch(Ledger ledger, Clock clock) {
        this.ledger = ledger;
        this.clock = clock;
    }

    /** Reads the entries appended since the last poll and passes the task, group, certificate, settlement and expiry entries to {@code listener}. */
    synchronized void poll(Listener listener) {
        boolean atStart = !started;
        Instant now = clock.instant();
        for (List<LedgerEntry> page = ledger.entries(next, PAGE); !page.isEmpty(); page = ledger.entries(next, PAGE)) {
            for (LedgerEntry e : page) {
                LedgerRecord r = e.record();
                if (!atStart && (r instanceof LedgerRecord.TaskSubmitted || r instanceof LedgerRecord.GroupElected
                        || r instanceof LedgerRecord.CertificateRecorded)) {
                    seen.put(e.seq(), now);
                }
                pass(e, listener, atStart);
                next = e.seq() + 1;
            }
        }
        started = true;
    }

    /**
     * A listener that comes after the first poll: the entries read so far are passed to {@code late} (as at start),
     * then {@code attach} runs, both before any further poll, so {@code late} misses none and sees none twice.
     */
    synchronized void catchUp(Listener late, Runnable attach) {
        for (long from = 1; from < next; ) {
            List<LedgerEntry> page = ledger.entries(from, PAGE);
            for (LedgerEntry e : page) {
                if (e.seq() >= next) {
                    break;
                }
                pass(e, late, true);
            }
            if (page.isEmpty()) {
                break;
            }
            from = page.get(page.size() - 1).seq() + 1;
        }
        attach.run();
    }

    private static void pass(LedgerEntry e, Listener listener, boolean atStart) {
        LedgerRecord r = e.record();
        if (r instanceof LedgerRecord.TaskSubmitted) {
            listener.task(e, atStart);
        } else if (r instanceof LedgerRecord.GroupElected) {
            listener.group(e, atStart);
        } else if (r instanceof LedgerRecord.CertificateRecorded || r instanceof LedgerRecord.TaskSettled || r instanceof LedgerRecord.TaskExpired) {
            listener.ended(e, atStart);
        }
    }

    /** When this Pi first saw entry {@code seq}, if it saw it appear. */
    synchronized Optional<Instant> seen(long seq) {
        return Optional.ofNullable(seen.get(seq));
    }
}
