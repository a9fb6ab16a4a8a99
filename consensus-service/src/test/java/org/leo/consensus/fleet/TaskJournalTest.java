package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor's task journal ({@link TaskJournal}): what a kill -9 of the Pi leaves, and its bound. */
class TaskJournalTest {
    @TempDir
    Path tmp;

    /**
     * A child JVM journals tasks up to RUN as the coordinator does and prints each once written; SIGKILL after 30. Every
     * acknowledged task is in the journal at RUN with its HPC and ATTEST entry, so the restarted coordinator power-cycles
     * it first and cleans it up ({@link TaskExecution.Stage#keysOut}).
     */
    @Test
    void everyTaskJournaledAtRunSurvivesKillMinus9AndIsPowerCycledFirst() throws Exception {
        Path file = tmp.resolve("tasks.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(TaskJournalMain.class, 30, file.toString());
        assertThat(acked).hasSizeGreaterThanOrEqualTo(30);
        try (TaskJournal j = TaskJournal.open(file)) {
            for (long task : acked) {
                TaskJournal.Row r = j.read(task).orElseThrow(() -> new AssertionError("task #" + task + " lost"));
                assertThat(r.stage()).isEqualTo(TaskExecution.Stage.RUN);
                assertThat(r.stage().keysOut()).isTrue();
                assertThat(r.hpc()).isEqualTo("52:54:00:77:00:10");
                assertThat(r.attestSeq()).isEqualTo(task + 2);
                assertThat(r.attestAttempt()).as("the next ATTEST attempt, never reused").isEqualTo(1);
            }
            System.out.println("kill -9: the child acknowledged " + acked.size() + " tasks at RUN; every one is in the journal");
        }
    }

    @Test
    void finishedTasksAreKeptUpToTheBoundAndUnfinishedOnesAlways() throws Exception {
        try (TaskJournal j = TaskJournal.open(tmp.resolve("tasks.db"))) {
            j.write(new TaskJournal.Row(1, 2, "52:54:00:77:00:10", TaskExecution.Stage.RUN, 1, 0, 3, 0));
            for (long t = 10; t < 10 + TaskJournal.FINISHED_KEPT + 5; t++) {
                j.write(new TaskJournal.Row(t, t + 1, "52:54:00:77:00:10", TaskExecution.Stage.SETTLED, 1, 1, t + 2, t + 3));
            }
            List<TaskJournal.Row> all = j.all();
            assertThat(all).hasSize(TaskJournal.FINISHED_KEPT + 1);
            assertThat(all.get(0).taskSeq()).as("an unfinished task is never dropped").isEqualTo(1);
            assertThat(j.read(10)).as("the oldest finished ones go").isEmpty();
            assertThat(j.read(10 + TaskJournal.FINISHED_KEPT + 4)).isPresent();
        }
    }
}
