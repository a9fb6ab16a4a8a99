package org.leo.attest.schedule;

import java.security.SecureRandom;
import java.time.Duration;

/**
 * When the next challenge comes: exponentially distributed around a mean (a Poisson process, so the
 * time since the last challenge says nothing about the next one), clamped to [min, max], drawn from
 * a {@link SecureRandom} so the HPC cannot predict it from earlier ones.
 */
public final class Interarrival {
    private final SecureRandom random;
    private final double meanNanos;
    private final long minNanos;
    private final long maxNanos;

    public Interarrival(SecureRandom random, Duration mean, Duration min, Duration max) {
        this.random = random;
        this.meanNanos = mean.toNanos();
        this.minNanos = min.toNanos();
        this.maxNanos = max.toNanos();
    }

    public Duration next() {
        double u = random.nextDouble(); // [0, 1)
        long nanos = (long) (-meanNanos * Math.log1p(-u));
        return Duration.ofNanos(Math.max(minNanos, Math.min(maxNanos, nanos)));
    }
}
