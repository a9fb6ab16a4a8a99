package org.leo.consensus.fleet;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;

/**
 * A ledger whose appends of one record kind (certificates, unless told otherwise) fail on purpose, one
 * fault per append in the order given (then they succeed, or fail for ever with {@link #down}): refused
 * by a rule, the ledger unreachable, or appended and then unreachable (the receipt never came).
 * Everything else goes to the ledger inside.
 */
final class FlakyLedger implements Ledger {
    enum Fault {
        /** The rules refuse it (an IllegalArgumentException, as both ledgers throw). */
        REFUSED,
        /** Nothing reaches the ledger (an IllegalStateException, as both ledgers throw for I/O). */
        UNREACHABLE,
        /** The entry is appended, then the answer is lost. */
        APPENDED_THEN_UNREACHABLE
    }

    private final Ledger inner;
    private final Deque<Fault> faults;
    private final boolean forever;
    private final Class<? extends LedgerRecord> kind;
    private int attempts;

    private FlakyLedger(Ledger inner, boolean forever, Class<? extends LedgerRecord> kind, List<Fault> faults) {
        this.inner = inner;
        this.forever = forever;
        this.kind = kind;
        this.faults = new ArrayDeque<>(faults);
    }

    /** The next certificate appends meet {@code faults}, one each, and then succeed. */
    static FlakyLedger failing(Ledger inner, Fault... faults) {
        return failing(inner, LedgerRecord.CertificateRecorded.class, faults);
    }

    /** The next appends of records of {@code kind} meet {@code faults}, one each, and then succeed. */
    static FlakyLedger failing(Ledger inner, Class<? extends LedgerRecord> kind, Fault... faults) {
        return new FlakyLedger(inner, false, kind, List.of(faults));
    }

    /** Every certificate append finds the ledger unreachable. */
    static FlakyLedger down(Ledger inner) {
        return new FlakyLedger(inner, true, LedgerRecord.CertificateRecorded.class, List.of());
    }

    /** How many appends of the failing kind were tried. */
    synchronized int attempts() {
        return attempts;
    }

    @Override
    public synchronized LedgerEntry append(LedgerRecord record) {
        if (!kind.isInstance(record)) {
            return inner.append(record);
        }
        attempts++;
        Fault f = forever ? Fault.UNREACHABLE : faults.poll();
        if (f == null) {
            return inner.append(record);
        }
        throw switch (f) {
            case REFUSED -> new IllegalArgumentException("ledger append refused: the round already has a certificate");
            case UNREACHABLE -> new IllegalStateException("ledger append failed: connection refused");
            case APPENDED_THEN_UNREACHABLE -> new IllegalStateException("ledger append #" + inner.append(record).seq()
                    + ": no receipt within the timeout");
        };
    }

    @Override
    public Optional<LedgerEntry> head() {
        return inner.head();
    }

    @Override
    public List<LedgerEntry> entries(long fromSeq, int limit) {
        return inner.entries(fromSeq, limit);
    }

    @Override
    public Map<String, Long> credits() {
        return inner.credits();
    }

    @Override
    public Map<String, Long> balances() {
        return inner.balances();
    }

    @Override
    public org.leo.consensus.ledger.LedgerRules.Tokens tokens() {
        return inner.tokens();
    }

    @Override
    public LedgerEntry deposit(byte[] member, long amount) {
        return inner.deposit(member, amount);
    }

    @Override
    public LedgerEntry withdraw(byte[] member, long amount) {
        return inner.withdraw(member, amount);
    }

    @Override
    public Optional<String> verifyChain() {
        return inner.verifyChain();
    }

    @Override
    public void close() {
        inner.close();
    }
}
