package org.leo.protocol.capsule;

import java.util.Objects;

/**
 * A capsule refused, with its {@link CapsuleProblem} and the particulars ("expected X, got Y"). The
 * message reads {@code code: sentence (detail)}.
 */
public final class CapsuleException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient CapsuleProblem problem;

    public CapsuleException(CapsuleProblem problem, String detail) {
        super(problem.code() + ": " + problem.sentence() + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    public CapsuleProblem problem() {
        return problem;
    }
}
