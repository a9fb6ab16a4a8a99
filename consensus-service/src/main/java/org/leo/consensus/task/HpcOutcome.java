package org.leo.consensus.task;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What the HPC's agent reports of one task ({@link HpcTasks#run}): the guest's exit, how long each of its stages took,
 * the result capsule sealed to the task owner (opaque to every Pi: only the owner's TPM opens it), and the agent's own
 * check that nothing of the task is left on its engine.
 *
 * @param exitCode      the guest's exit status (137 for a kill)
 * @param timedOut      the guest ran past its timeout and was killed
 * @param timings       the agent's stages by name ("load", "run", "clean-up", ...) in order
 * @param resultCapsule the result capsule file, or empty if the guest left no result
 * @param cleanProblems what the agent's clean check found left (empty: clean)
 * @param moreResults   the result capsule sealed to each other data capsule owner, by its member key (hex)
 */
public record HpcOutcome(int exitCode, boolean timedOut, List<Timing> timings, Optional<byte[]> resultCapsule, List<String> cleanProblems,
                         java.util.Map<String, byte[]> moreResults) {
    public HpcOutcome {
        timings = List.copyOf(timings);
        resultCapsule = resultCapsule.map(byte[]::clone);
        cleanProblems = List.copyOf(cleanProblems);
        java.util.Map<String, byte[]> copies = new java.util.LinkedHashMap<>();
        moreResults.forEach((k, v) -> copies.put(k, v.clone()));
        moreResults = java.util.Collections.unmodifiableMap(copies);
    }

    /** An outcome with the task owner's result only. */
    public HpcOutcome(int exitCode, boolean timedOut, List<Timing> timings, Optional<byte[]> resultCapsule, List<String> cleanProblems) {
        this(exitCode, timedOut, timings, resultCapsule, cleanProblems, java.util.Map.of());
    }

    /** One stage on the HPC and how long it took. */
    public record Timing(String stage, Duration took) {
    }
}
