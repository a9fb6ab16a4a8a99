package org.leo.consensus.task;

import java.util.concurrent.CompletableFuture;
import org.leo.boot.net.MacAddress;

/**
 * The executor's Pi's port to its HPCs for tasks (docs/tasks.md "The executor's coordinator"). The attestation server's
 * task dispatch implements it over the agent's mutual-TLS stream; tests use a stand-in. The Pi's coordinator calls
 * {@link #run} only after the task's ATTEST round is certified and the keys are released to the attested agent's key, and
 * {@link #powerCycle} after every run, whatever its outcome (also after a restart of the Pi mid-task).
 */
public interface HpcTasks {
    /** Whether {@code hpc} is booted, enrolled and idle: it can take a task now. */
    boolean ready(MacAddress hpc);

    /** Hands {@code order} to {@code hpc}'s agent; completes with its outcome, or exceptionally with a sentence. */
    CompletableFuture<HpcOutcome> run(MacAddress hpc, TaskOrder order);

    /**
     * Cuts the power of {@code hpc} and powers it on again (QMP here, a relay or BMC on real hardware): the HPC boots the
     * measured image afresh and its new agent enrolls; the Pi publishes the new baseline as its reference values, which
     * the coordinator awaits on the ledger. Idempotent: a second power-cycle is harmless.
     */
    void powerCycle(MacAddress hpc);
}
