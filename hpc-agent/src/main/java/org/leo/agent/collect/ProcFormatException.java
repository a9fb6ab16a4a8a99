package org.leo.agent.collect;

/**
 * A line of a kernel text file ({@code /proc/<pid>/stat}, {@code /proc/net/tcp}, ...) that does
 * not have the kernel's format. The only exception the pure line parsers throw; the message says
 * what was wrong. Collectors skip such a line and go on.
 */
public final class ProcFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ProcFormatException(String message) {
        super(message, null, false, false);
    }
}
