package org.leo.attest.appraise;

import java.util.regex.Pattern;

/**
 * What the HPC's Pi expects its task engine to hold (docs/tasks.md "Task checks during the run"), set
 * per boot by the Pi as the task goes and read by {@link TaskAppraisal}:
 * <ul>
 *   <li>{@link None}: no task. No container, image or volume, no network namespace but the host's,
 *       the mounts of the golden baseline. Also the clean-up's expectation (after the power-cycle).</li>
 *   <li>{@link Running}: the task of image {@code imageId} runs. At most one container, of that image;
 *       no image but that one; no volume; one foreign network namespace, the container's, with only
 *       {@code lo}; the baseline's mounts plus exactly what that container's run adds.</li>
 * </ul>
 */
public sealed interface TaskExpectation {
    /** No task: an empty engine. */
    None NONE = new None();

    record None() implements TaskExpectation {
        @Override
        public String toString() {
            return "no task";
        }
    }

    /** @param imageId the task's image, {@code sha256:<64 hex>} (its digest on the ledger) */
    record Running(String imageId) implements TaskExpectation {
        static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

        public Running {
            if (imageId == null || !DIGEST.matcher(imageId).matches()) {
                throw new IllegalArgumentException("a task's image id is sha256:<64 lower-case hex>, got '" + Printable.of(String.valueOf(imageId), 80) + "'");
            }
        }

        @Override
        public String toString() {
            return "the task of image " + imageId;
        }
    }
}
