package org.leo.attest.action;

import java.io.IOException;

/**
 * Stops the guest task on an HPC. Guest tasks (network-less sandboxes) come with a later issue;
 * until then {@link #NONE} reports that there is no task to stop, which the action log records.
 */
@FunctionalInterface
public interface TaskControl {
    TaskControl NONE = hpc -> false;

    /** Stops the task running on {@code hpc}; false if none runs. */
    boolean stop(String hpc) throws IOException;
}
