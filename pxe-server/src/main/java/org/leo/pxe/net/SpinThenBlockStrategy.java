package org.leo.pxe.net;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;
import java.util.function.LongSupplier;

/**
 * An event-loop wait strategy that polls without blocking for a short window when the next
 * packet is likely to arrive within it, and otherwise blocks in {@code epoll_wait} as Netty does.
 *
 * <p>Why: a lock-step TFTP transfer (what every PXE ROM and iPXE do) is one round trip per
 * 1432-byte block, so its speed is set by how fast the server turns an ACK into the next block.
 * Waking a thread that is blocked in the kernel costs several microseconds (more on a VM, where
 * the wake-up is an inter-processor interrupt); when the peer answers within a few tens of
 * microseconds the ACK usually arrives within that time anyway.
 *
 * <p>Adaptive, like the kernel's hybrid polling: the loop keeps a moving average of the time from
 * going idle to the next event. It polls only while that average is below the window, so a fast
 * peer (loopback, a client on the same host) gets an event loop that never sleeps, while a slow
 * one (a LAN round trip, a VM under software emulation that needs the CPU itself) gets a loop that
 * blocks at once and leaves the core alone. The average keeps learning while blocked, so the loop
 * starts polling again as soon as the peer speeds up. A window of zero turns polling off.
 *
 * <p>One instance per event loop, used only on that loop's thread.
 */
final class SpinThenBlockStrategy implements SelectStrategy {
    /** Weight of the newest gap in the moving average: 1/8, as TCP's smoothed RTT. */
    private static final int SHIFT = 3;

    private final long spinNanos;
    /** Gaps longer than this count as this much: one idle minute must not outweigh the next fast packets. */
    private final long capNanos;
    /** Moving average of idle-to-event gaps, in nanoseconds; starts pessimistic (block). */
    private long averageGap;
    /** When the loop last found nothing to do (start of the current gap), or -1 while busy. */
    private long idleSince = -1;
    /** The loop returned SELECT: it blocked, and the next call is after a wake-up. */
    private boolean blocked;

    private final LongSupplier clock;

    SpinThenBlockStrategy(long spinNanos) {
        this(spinNanos, System::nanoTime);
    }

    SpinThenBlockStrategy(long spinNanos, LongSupplier clock) {
        this.clock = clock;
        this.spinNanos = spinNanos;
        this.capNanos = 2 * spinNanos;
        this.averageGap = capNanos;
    }

    static SelectStrategyFactory factory(long spinNanos) {
        return () -> new SpinThenBlockStrategy(spinNanos);
    }

    /** The current moving average of idle gaps (for tests). */
    long averageGapNanos() {
        return averageGap;
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = clock.getAsLong();
        if (blocked) {            // woke from epoll_wait: the gap ended about now
            blocked = false;
            learn(now);
        }
        int ready = selectNow.get();
        if (ready > 0 || hasTasks) {
            if (ready > 0) {
                learn(now);
            }
            return ready;
        }
        if (idleSince < 0) {
            idleSince = now;
        }
        if (averageGap < spinNanos && now - idleSince < spinNanos) {
            Thread.onSpinWait();
            return 0;             // nothing ready; Netty runs its tasks and asks again
        }
        blocked = true;
        return SelectStrategy.SELECT;
    }

    private void learn(long now) {
        if (idleSince >= 0) {
            long gap = Math.min(now - idleSince, capNanos);
            averageGap += (gap - averageGap) >> SHIFT;
            idleSince = -1;
        }
    }
}
