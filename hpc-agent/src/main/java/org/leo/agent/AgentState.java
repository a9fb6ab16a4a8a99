package org.leo.agent;

import java.time.Duration;

/**
 * The agent's lifecycle (after rust-keylime's push-model agent): one run loop dispatches on the
 * state; retryable failures wait with backoff and re-enter; only {@link Failed} and {@link Stopped}
 * end it. Diagram: docs/agent-state-machine.md.
 */
public sealed interface AgentState {
    /** Asking the enrollment port for a certificate; {@code attempt} counts failures so far. */
    record Enrolling(int attempt) implements AgentState { }

    /** Holding the attestation stream open and answering challenges. */
    record Attesting(int attempt) implements AgentState { }

    /** Waiting before {@code next}, because of {@code why}. */
    record Waiting(AgentState next, Duration delay, String why) implements AgentState { }

    /** Cannot go on without a reboot (this boot enrolled already, was refused, or its certificate expired). */
    record Failed(String reason) implements AgentState { }

    /** Stopped on request. */
    record Stopped() implements AgentState { }
}
