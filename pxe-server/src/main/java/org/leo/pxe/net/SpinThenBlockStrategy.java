package org.leo.pxe.net;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;

/**
 * An event-loop wait strategy that polls without blocking for a short window after every
 * wake-up and every I/O event, and blocks in {@code epoll_wait} only after a quiet window.
 *
 * <p>Why: a lock-step TFTP transfer (what every PXE ROM and iPXE do) is one round trip per
 * 1432-byte block, so its speed is set by how fast the server turns an ACK into the next block.
 * Waking a thread that is blocked in the kernel costs several microseconds (more on a VM, where
 * the wake-up is an inter-processor interrupt); the ACK usually arrives within that time anyway.
 * Polling for a few tens of microseconds keeps the event loop awake while a transfer is running,
 * and costs nothing once the segment is quiet. Set the window to zero to always block.
 *
 * <p>One instance per event loop, used only on that loop's thread.
 */
final class SpinThenBlockStrategy implements SelectStrategy {
    private final long spinNanos;
    private long spinUntil;
    private boolean blocked;

    SpinThenBlockStrategy(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    static SelectStrategyFactory factory(long spinNanos) {
        return () -> new SpinThenBlockStrategy(spinNanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
        long now = System.nanoTime();
        if (blocked) {            // just woke from a blocking wait: something happened, stay awake a while
            blocked = false;
            spinUntil = now + spinNanos;
        }
        if (hasTasks || now - spinUntil < 0) {
            int ready = selectNow.get();
            if (ready > 0) {
                spinUntil = now + spinNanos;
            } else if (!hasTasks) {
                Thread.onSpinWait();
            }
            return ready;
        }
        blocked = true;
        return SelectStrategy.SELECT;
    }
}
