package org.leo.agent.task;

/** A task the agent will not run, or could not: the message is the refusal sentence the report carries. */
public final class TaskRefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    public TaskRefusedException(String message) {
        super(message);
    }

    public TaskRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
