package org.leo.agent.task;

import java.time.Duration;
import java.util.List;

/**
 * What {@link Sandbox#verifyClean} found left of past tasks.
 *
 * @param clean     nothing is left
 * @param leftovers one sentence per thing left ("container 3f2a... leo-task-ab12 (exited)")
 * @param waited    how long it waited for the engine to finish removing (a containerd shim exits a
 *                  moment after its container is removed)
 */
public record CleanReport(boolean clean, List<String> leftovers, Duration waited) {
    public CleanReport {
        leftovers = List.copyOf(leftovers);
    }

    @Override
    public String toString() {
        return clean ? "clean (after " + waited.toMillis() + " ms)" : "not clean after " + waited.toMillis() + " ms: " + String.join("; ", leftovers);
    }
}
