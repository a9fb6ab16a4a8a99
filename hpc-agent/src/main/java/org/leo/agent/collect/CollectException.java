package org.leo.agent.collect;

/**
 * A check the agent could not complete (a cap exceeded, a region the policy does not name, a
 * target that cannot be read). The message is a sentence for the operator; the caller reports it
 * as a {@code CheckError} ({@link CheckResults#error}), which the server treats as a finding.
 */
public final class CollectException extends Exception {
    private static final long serialVersionUID = 1L;

    public CollectException(String message) {
        super(message);
    }

    public CollectException(String message, Throwable cause) {
        super(message, cause);
    }
}
