package org.leo.consensus.fleet;

import java.util.Optional;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.task.Settler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's Pi settling a task on the fleet's ledger once its clean-up certificate is there: it appends the
 * {@code TaskSettled} record the ledger's own rules call for ({@code LedgerRules.settlement}: the group in its recorded order,
 * each member penalised exactly as the records say), so the ledgers and the contract accept it and pay per
 * {@code Settlement.split}. A task settled or expired meanwhile, or one the ledger refuses, is logged and left.
 */
public final class LedgerSettler implements Settler {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerSettler.class);

    private final FleetLedger ledger;

    public LedgerSettler(FleetLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public void settle(long taskSeq, long groupSeq, long attestSeq, long cleanupSeq) {
        Optional<LedgerRecord.TaskSettled> due = ledger.now().rules().settlement(taskSeq);
        if (due.isEmpty()) {
            LOG.warn("task #{}: not settled: the ledger has no settlement due for it (settled or expired already, or no TRUSTED clean-up "
                    + "certificate of its rounds)", taskSeq);
            return;
        }
        if (due.get().certificateSeq() != cleanupSeq) {
            LOG.info("task #{}: settling by its first TRUSTED clean-up certificate, entry #{} (the coordinator's was #{})", taskSeq,
                    due.get().certificateSeq(), cleanupSeq);
        }
        try {
            LedgerEntry e = ledger.ledger().append(due.get());
            LOG.info("task #{}: settled as ledger entry #{} by clean-up certificate #{} (group #{}, attested by #{}); penalised: {}", taskSeq,
                    e.seq(), due.get().certificateSeq(), groupSeq, attestSeq, due.get().penalised().isEmpty() ? "none" : due.get().penalised());
        } catch (IllegalArgumentException e) {
            LOG.warn("task #{}: the ledger refused its settlement: {}", taskSeq, e.getMessage());
        }
    }
}
