package org.leo.pxe.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for state written asynchronously (a boot event, a log entry, a file) with a bound, instead
 * of reading it once or sleeping: on a loaded machine the write may land after the action that
 * caused it returned. Polls every {@link #POLL}; on timeout throws an {@link AssertionError} that
 * shows the last value seen.
 */
public final class Await {
    /** Between two reads: short against the bounds the tests use, long against a read's cost. */
    static final Duration POLL = Duration.ofMillis(50);

    private Await() { }

    /** Reads {@code read} until {@code done} holds for its value or {@code bound} has passed; returns that value. */
    public static <T> T until(String what, Duration bound, Callable<T> read, Predicate<? super T> done) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            T value = read.call();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("waited " + bound.toMillis() + " ms for " + what + "; last seen: " + value);
            }
            Thread.sleep(POLL.toMillis());
        }
    }
}
