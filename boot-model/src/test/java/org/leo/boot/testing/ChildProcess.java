package org.leo.boot.testing;

import java.util.concurrent.TimeUnit;

/** Stopping a child process a test started, by its PID: SIGTERM, then SIGKILL if it has not exited 10 s later. */
public final class ChildProcess {
    private static final long GRACE_SECONDS = 10;

    private ChildProcess() {
    }

    /** Stops {@code p} and waits for it (at most twice the grace period); keeps an interrupt for the caller. */
    public static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(GRACE_SECONDS, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
