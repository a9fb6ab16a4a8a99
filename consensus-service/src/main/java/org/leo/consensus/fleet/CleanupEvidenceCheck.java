package org.leo.consensus.fleet;

import java.util.List;
import org.leo.protocol.attest.v1.EvidenceBody;

/**
 * What a monitor requires of a CLEANUP task round's evidence beyond a fresh boot of the same measured
 * image ({@link TaskAppraisal}): that nothing of the task is left on the HPC. This is where the check of
 * the HPC's Docker state plugs in (no container, no image, no volume of the task: the agent's task-state
 * evidence, once the attestation protocol carries it). Each problem is a sentence starting with its id
 * ({@code cleanup.task_left: ...}); any problem makes the monitor sign UNTRUSTED.
 */
@FunctionalInterface
public interface CleanupEvidenceCheck {
    /** Requires nothing: the evidence as the full appraisal checks it (disk roots, OS, hardware, network) is all. */
    CleanupEvidenceCheck NONE = evidence -> List.of();

    /** The problems of {@code evidence}, an evidence body whose relay and appraisal passed every other check. */
    List<String> problems(EvidenceBody evidence);
}
