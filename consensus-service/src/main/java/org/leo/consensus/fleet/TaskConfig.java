package org.leo.consensus.fleet;

import java.time.Duration;

/**
 * A Pi's settings for the task rpcs (docs/tasks.md "Key release"), defaults in {@link #defaults()}.
 *
 * @param claimWindow       how long after this Pi sees one of its tasks appear it takes claims (the same on every Pi)
 * @param releaseFreshness  how long after this Pi saw a task's ATTEST certificate appear it still releases keys on it
 * @param poll              how often the Pi reads new ledger entries (the precision of both)
 * @param maxCapsuleBytes   the largest capsule file fetched from a peer
 */
public record TaskConfig(Duration claimWindow, Duration releaseFreshness, Duration poll, long maxCapsuleBytes) {
    public static final Duration DEFAULT_CLAIM_WINDOW = Duration.ofSeconds(30);
    public static final Duration DEFAULT_RELEASE_FRESHNESS = Duration.ofMinutes(10);
    public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);
    public static final long DEFAULT_MAX_CAPSULE_BYTES = 64L * 1024 * 1024;

    public TaskConfig {
        if (claimWindow.isNegative() || claimWindow.isZero() || releaseFreshness.isNegative() || poll.isNegative() || poll.isZero()) {
            throw new IllegalArgumentException("task settings: a positive claim window and poll period, a freshness of at least 0");
        }
        if (maxCapsuleBytes < 1 || maxCapsuleBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("task settings: a capsule of 1.." + (Integer.MAX_VALUE - 8) + " bytes at most, got " + maxCapsuleBytes);
        }
    }

    public static TaskConfig defaults() {
        return new TaskConfig(DEFAULT_CLAIM_WINDOW, DEFAULT_RELEASE_FRESHNESS, DEFAULT_POLL, DEFAULT_MAX_CAPSULE_BYTES);
    }

    public TaskConfig withClaimWindow(Duration d) {
        return new TaskConfig(d, releaseFreshness, poll, maxCapsuleBytes);
    }

    public TaskConfig withReleaseFreshness(Duration d) {
        return new TaskConfig(claimWindow, d, poll, maxCapsuleBytes);
    }
}
