package org.leo.attest.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InterarrivalTest {
    /** A seeded SHA1PRNG: deterministic, so these statistics are exact for this seed. */
    static SecureRandom seeded() throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(42);
        return r;
    }

    @Test
    void delaysAreExponentialAroundTheMean() throws Exception {
        Interarrival ia = new Interarrival(seeded(), Duration.ofSeconds(30), Duration.ZERO, Duration.ofDays(1));
        int n = 20_000;
        double sum = 0;
        double sumSq = 0;
        int belowMean = 0;
        for (int i = 0; i < n; i++) {
            double s = ia.next().toNanos() / 1e9;
            sum += s;
            sumSq += s * s;
            if (s < 30) {
                belowMean++;
            }
        }
        double mean = sum / n;
        double sd = Math.sqrt(sumSq / n - mean * mean);
        assertThat(mean).isBetween(29.0, 31.0);
        assertThat(sd / mean).isBetween(0.95, 1.05); // exponential: coefficient of variation 1
        assertThat(belowMean / (double) n).isBetween(0.62, 0.64); // P(X < mean) = 1 - 1/e = 0.632
    }

    @Test
    void delaysAreClamped() throws Exception {
        Interarrival ia = new Interarrival(seeded(), Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(60));
        for (int i = 0; i < 10_000; i++) {
            assertThat(ia.next()).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(60));
        }
    }
}
