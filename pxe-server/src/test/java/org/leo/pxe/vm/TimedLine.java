package org.leo.pxe.vm;

import java.time.Duration;

/**
 * One line of output of a process the harness started (QEMU's serial console, a server's log),
 * stamped with {@link System#nanoTime()} when its end-of-line arrived.
 *
 * @param index   0-based position in its stream
 * @param nanoTime {@link System#nanoTime()} at the line's end-of-line
 * @param text    the line, with CR, ANSI escape sequences and other control characters removed
 */
public record TimedLine(int index, long nanoTime, String text) {
    /** Time of this line relative to {@code originNanoTime} (for the VM: its power-on). */
    public Duration since(long originNanoTime) {
        return Duration.ofNanos(nanoTime - originNanoTime);
    }
}
