package org.leo.consensus.task;

/**
 * What the executor's coordinator calls once a task's clean-up certificate is on the ledger: the settlement records
 * (another part of issue 13) land through it. {@link #NONE} only logs.
 */
@FunctionalInterface
public interface Settler {
    Settler NONE = (taskSeq, groupSeq, attestSeq, cleanupSeq) -> { };

    /**
     * Task {@code taskSeq}, whose GroupElected is entry {@code groupSeq}, ran after the TRUSTED ATTEST certificate at entry
     * {@code attestSeq} and has its TRUSTED clean-up certificate at entry {@code cleanupSeq}.
     */
    void settle(long taskSeq, long groupSeq, long attestSeq, long cleanupSeq);
}
