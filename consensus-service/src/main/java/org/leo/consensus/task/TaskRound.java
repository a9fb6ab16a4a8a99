package org.leo.consensus.task;

import java.util.Optional;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.RoundId;

/**
 * An attestation round of a task's executor HPC by the task's monitors (docs/tasks.md "Task rounds"), told
 * apart from the fleet's scheduled rounds by its round number:
 * <pre>
 *   RoundId(ledger head = the hash of the task's GroupElected entry, hpc = the executor's HPC,
 *           round = 2^62 | taskSeq &lt;&lt; 12 | phase &lt;&lt; 8 | attempt)
 * </pre>
 * Scheduled rounds are numbered by time (k x period, far below 2^62), so the two never share a number,
 * and the ledgers' rule of one certificate per (HPC, round number) holds for task rounds too: one
 * certificate per task, phase and attempt. The head being the group's entry, a task round is drawn after
 * the group, and its committee is that group's monitors with the votes of their claims.
 *
 * @param taskSeq the task's ledger seq (below 2^50)
 * @param phase   {@link Phase#ATTEST} before the key release, {@link Phase#CLEANUP} after the power-cycle
 * @param attempt 0..255: a round that does not certify is run again with the next attempt
 */
public record TaskRound(long taskSeq, Phase phase, int attempt) {
    public static final long MARK = 1L << 62;
    public static final long MAX_TASK_SEQ = (1L << 50) - 1;
    public static final int MAX_ATTEMPT = 255;

    /** What the round attests. */
    public enum Phase {
        /** The executor's HPC runs the measured image now: the key release needs its TRUSTED certificate. */
        ATTEST(1),
        /** The HPC was power-cycled after the task and booted the measured image again, with nothing of the task left. */
        CLEANUP(2);

        private final int code;

        Phase(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static Optional<Phase> of(int code) {
            for (Phase p : values()) {
                if (p.code == code) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }
    }

    public TaskRound {
        if (taskSeq < 0 || taskSeq > MAX_TASK_SEQ) {
            throw new IllegalArgumentException("task seq out of range: " + taskSeq);
        }
        if (phase == null) {
            throw new IllegalArgumentException("no phase");
        }
        if (attempt < 0 || attempt > MAX_ATTEMPT) {
            throw new IllegalArgumentException("attempt out of range 0.." + MAX_ATTEMPT + ": " + attempt);
        }
    }

    /** The round number this task round is recorded under. */
    public long number() {
        return MARK | taskSeq << 12 | (long) phase.code << 8 | attempt;
    }

    /** The round's id: drawn at the group's entry, of the executor's HPC. */
    public RoundId roundId(byte[] groupEntryHash, MacAddress executorHpc) {
        return new RoundId(groupEntryHash, executorHpc, number());
    }

    /** The task round a round number names, or empty for a scheduled round's number (or a malformed one). */
    public static Optional<TaskRound> of(long roundNumber) {
        if ((roundNumber & ~((1L << 63) - 1)) != 0 || (roundNumber & MARK) == 0) {
            return Optional.empty();
        }
        long taskSeq = (roundNumber & ~MARK) >>> 12;
        Optional<Phase> phase = Phase.of((int) (roundNumber >>> 8 & 0xF));
        if (phase.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new TaskRound(taskSeq, phase.get(), (int) (roundNumber & 0xFF)));
    }

    /** True when the round number is a task round's. */
    public static boolean isTaskRound(long roundNumber) {
        return of(roundNumber).isPresent();
    }

    @Override
    public String toString() {
        return "task #" + taskSeq + " " + phase.name().toLowerCase(java.util.Locale.ROOT) + " round, attempt " + attempt;
    }
}
