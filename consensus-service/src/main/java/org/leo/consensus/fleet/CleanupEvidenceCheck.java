package org.leo.consensus.fleet;

import java.util.List;
import java.util.Optional;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.TaskAppraisal;
import org.leo.protocol.attest.v1.CheckResult;
import org.leo.protocol.attest.v1.EvidenceBody;
import org.leo.protocol.attest.v1.TaskStateResult;

/**
 * What a monitor requires of a CLEANUP task round's evidence beyond a fresh boot of the same measured
 * image ({@link TaskAppraisal}): that nothing of the task is left on the HPC. {@link #TASK_STATE}, the default,
 * requires the agent's task-state evidence and an empty engine in it (no container, image or volume, no
 * network namespace but the host's: attestation-server {@code TaskAppraisal.cleanup}); the full appraisal
 * before it has compared the mounts with the golden's. Each problem is a sentence starting with its id
 * ({@code cleanup.task_left: ...}); any problem makes the monitor sign UNTRUSTED.
 */
@FunctionalInterface
public interface CleanupEvidenceCheck {
    /** Requires nothing: the evidence as the full appraisal checks it (disk roots, OS, hardware, network) is all. */
    CleanupEvidenceCheck NONE = evidence -> List.of();

    /**
     * The evidence answers the task-state check, and neither the engine it reports nor the network namespaces hold anything
     * ({@code cleanup.no_task_state}, {@code cleanup.task_left}). An agent of an image that starts no engine reports none,
     * with no container or image: the image is the ATTEST round's (checked before this).
     */
    CleanupEvidenceCheck TASK_STATE = evidence -> {
        Optional<TaskStateResult> state = evidence.getResultsList().stream().filter(CheckResult::hasTaskState).map(CheckResult::getTaskState)
                .findFirst();
        if (state.isEmpty()) {
            return List.of("cleanup.no_task_state: the evidence does not answer the task-state check, so it cannot show an empty engine");
        }
        return TaskAppraisal.cleanup("hpc", Policy.defaults(), state.get(), Optional.empty()).stream()
                .map(f -> "cleanup.task_left: " + f.eventId() + ": " + f.sentence()).toList();
    };

    /** The problems of {@code evidence}, an evidence body whose relay and appraisal passed every other check. */
    List<String> problems(EvidenceBody evidence);
}
