package org.leo.pxe.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.SelectStrategy;
import org.junit.jupiter.api.Test;

/**
 * The adaptive poll: with a peer that answers within the window the loop polls instead of
 * sleeping; with a slow peer it sleeps at once; and it changes its mind when the peer does.
 */
class SpinThenBlockStrategyTest {
    static final long SPIN = 50_000;   // 50 us

    long now = 1_000_000_000L;
    int readyOnNextPoll;

    final SpinThenBlockStrategy strategy = new SpinThenBlockStrategy(SPIN, () -> now);

    int call() throws Exception {
        return strategy.calculateStrategy(() -> {
            int r = readyOnNextPoll;
            readyOnNextPoll = 0;
            return r;
        }, false);
    }

    /** The loop goes idle, and a packet arrives {@code gap} nanoseconds later; returns what the loop did meanwhile. */
    int packetAfter(long gap) throws Exception {
        int first = call();                 // idle: poll or block
        if (first == SelectStrategy.SELECT) {
            now += gap;                     // blocked in epoll_wait until the packet came
        } else {
            now += gap;                     // polled until it came
            readyOnNextPoll = 1;
            assertThat(call()).isEqualTo(1);
            return first;
        }
        readyOnNextPoll = 1;
        assertThat(call()).isEqualTo(1);    // woke: the packet is there
        return first;
    }

    @Test
    void startsBySleepingThenPollsForAFastPeer() throws Exception {
        assertThat(packetAfter(10_000)).isEqualTo(SelectStrategy.SELECT);
        for (int i = 0; i < 30; i++) {
            packetAfter(10_000);
        }
        assertThat(strategy.averageGapNanos()).isLessThan(SPIN);
        assertThat(packetAfter(10_000)).isZero();   // polled, did not sleep
    }

    @Test
    void neverPollsForASlowPeer() throws Exception {
        for (int i = 0; i < 100; i++) {
            assertThat(packetAfter(90_000)).isEqualTo(SelectStrategy.SELECT);
        }
        assertThat(strategy.averageGapNanos()).isGreaterThan(SPIN);
    }

    @Test
    void stopsPollingWhenThePeerSlowsDownAndSleepsAfterTheWindow() throws Exception {
        for (int i = 0; i < 40; i++) {
            packetAfter(10_000);
        }
        // nothing arrives: it polls for the window, then sleeps
        assertThat(call()).isZero();
        now += SPIN + 1;
        assertThat(call()).isEqualTo(SelectStrategy.SELECT);
        now += 60_000_000_000L;             // a quiet minute counts as twice the window, no more
        readyOnNextPoll = 1;
        assertThat(call()).isEqualTo(1);
        assertThat(strategy.averageGapNanos()).isLessThanOrEqualTo(2 * SPIN);
        for (int i = 0; i < 40; i++) {
            packetAfter(200_000);
        }
        assertThat(packetAfter(200_000)).isEqualTo(SelectStrategy.SELECT);
    }

    @Test
    void tasksArePolledForAndNeverBlockedOn() throws Exception {
        int r = strategy.calculateStrategy(() -> 0, true);
        assertThat(r).isZero();
    }
}
