package org.leo.agent.collect;

/**
 * Progress of hashing a large disk target, for the agent's log and heartbeat. Called from the
 * hashing threads (so implementations must be thread-safe and quick), at least every
 * {@link DiskFingerprinter#PROGRESS_STEP} bytes and once more with {@code done == total}.
 */
@FunctionalInterface
public interface DiskProgress {
    /** Reports nothing. */
    DiskProgress NONE = (target, done, total) -> { };

    void progress(String target, long done, long total);
}
