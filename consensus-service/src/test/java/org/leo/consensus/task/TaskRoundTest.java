package org.leo.consensus.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TaskRoundTest {
    @Test
    void numberRoundTripsForEveryPhaseAndTheExtremes() {
        for (TaskRound.Phase phase : TaskRound.Phase.values()) {
            for (long seq : new long[] {0, 1, 4095, 4096, TaskRound.MAX_TASK_SEQ}) {
                for (int attempt : new int[] {0, 1, TaskRound.MAX_ATTEMPT}) {
                    TaskRound r = new TaskRound(seq, phase, attempt);
                    assertEquals(Optional.of(r), TaskRound.of(r.number()), r.toString());
                    assertTrue(r.number() > 0);
                }
            }
        }
    }

    @Test
    void theLayoutIsPinned() {
        assertEquals(0x4000_0000_0000_7102L, new TaskRound(7, TaskRound.Phase.ATTEST, 2).number());
        assertEquals(0x4000_0000_0000_7203L, new TaskRound(7, TaskRound.Phase.CLEANUP, 3).number());
    }

    @Test
    void scheduledRoundNumbersAreNotTaskRounds() {
        SplittableRandom random = new SplittableRandom(13);
        for (int i = 0; i < 10_000; i++) {
            long k = random.nextLong(TaskRound.MARK);
            assertFalse(TaskRound.isTaskRound(k), Long.toHexString(k));
        }
        assertFalse(TaskRound.isTaskRound(-1));
        assertFalse(TaskRound.isTaskRound(Long.MIN_VALUE | TaskRound.MARK | 0x100));
        assertFalse(TaskRound.isTaskRound(TaskRound.MARK | 0x300), "an unknown phase");
        assertFalse(TaskRound.isTaskRound(TaskRound.MARK), "phase 0");
    }

    @Test
    void outOfRangeValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new TaskRound(-1, TaskRound.Phase.ATTEST, 0));
        assertThrows(IllegalArgumentException.class, () -> new TaskRound(TaskRound.MAX_TASK_SEQ + 1, TaskRound.Phase.ATTEST, 0));
        assertThrows(IllegalArgumentException.class, () -> new TaskRound(1, TaskRound.Phase.ATTEST, 256));
        assertThrows(IllegalArgumentException.class, () -> new TaskRound(1, null, 0));
    }
}
