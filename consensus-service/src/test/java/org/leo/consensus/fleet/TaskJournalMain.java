package org.leo.consensus.fleet;

import java.nio.file.Path;

/**
 * The child JVM of {@link TaskJournalTest}: it journals tasks as the executor's coordinator does, each through every stage
 * up to RUN (the keys are out), and prints each task's seq once its RUN row is written (on disk); it runs until it is
 * killed.
 */
public final class TaskJournalMain {
    private TaskJournalMain() {
    }

    public static void main(String[] args) throws Exception {
        try (TaskJournal j = TaskJournal.open(Path.of(args[0]))) {
            for (long task = 1; ; task++) {
                TaskJournal.Row r = new TaskJournal.Row(task, task + 1, "52:54:00:77:00:10", TaskExecution.Stage.ELECTED, 0, 0, 0, 0);
                j.write(r);
                j.write(new TaskJournal.Row(task, task + 1, r.hpc(), TaskExecution.Stage.ATTEST, 1, 0, 0, 0));
                j.write(new TaskJournal.Row(task, task + 1, r.hpc(), TaskExecution.Stage.KEY_RELEASE, 1, 0, task + 2, 0));
                j.write(new TaskJournal.Row(task, task + 1, r.hpc(), TaskExecution.Stage.LOAD, 1, 0, task + 2, 0));
                j.write(new TaskJournal.Row(task, task + 1, r.hpc(), TaskExecution.Stage.RUN, 1, 0, task + 2, 0));
                System.out.println(task);
                System.out.flush();
            }
        }
    }
}
