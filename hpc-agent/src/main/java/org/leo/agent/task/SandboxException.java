package org.leo.agent.task;

/**
 * The sandbox refused or could not do something: an image archive whose content addresses do not
 * match, an engine that cannot enforce the limits, a container that could not be created. The
 * message is a sentence for the operator ("image archive has id sha256:A, expected sha256:B").
 */
public final class SandboxException extends Exception {
    private static final long serialVersionUID = 1L;

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
