package org.leo.appliance.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    @Test
    void fiveFailuresForAUserOrFromAnAddressRefuseTheNextUntilTheWindowPasses() {
        LoginThrottle t = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            assertThat(t.allowed("olga", "10.0.0." + i)).isTrue();
            t.outcome("olga", "10.0.0." + i, false);
        }
        assertThat(t.allowed("olga", "10.0.0.99")).as("the user is throttled, whatever the address").isFalse();
        assertThat(t.allowed("alice", "10.0.0.99")).as("another user from a fresh address").isTrue();
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            t.outcome("guess" + i, "10.9.9.9", false);
        }
        assertThat(t.allowed("alice", "10.9.9.9")).as("the address is throttled, whatever the name").isFalse();
        now.set(now.get().plus(LoginThrottle.WINDOW).plusSeconds(1));
        assertThat(t.allowed("olga", "10.9.9.9")).isTrue();
    }

    @Test
    void aSuccessClearsTheUsersRecord() {
        LoginThrottle t = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MAX_FAILURES - 1; i++) {
            t.outcome("olga", "10.0.0." + i, false);
        }
        t.outcome("olga", "10.0.0.50", true);
        t.outcome("olga", "10.0.0.51", false);
        assertThat(t.allowed("olga", "10.0.0.52")).isTrue();
    }

    /** A flood of names and addresses cannot flush the records that throttle a guesser: a full table refuses everyone. */
    @Test
    void aTableFullOfLiveRecordsFailsClosedAndFreesItselfWhenTheyExpire() {
        LoginThrottle t = new LoginThrottle(clock);
        for (int i = 0; i < LoginThrottle.MAX_FAILURES; i++) {
            t.outcome("olga", "10.0.0.1", false);
        }
        for (int i = 0; i <= LoginThrottle.MAX_KEYS; i++) {
            t.outcome("flood" + i, "10.1." + (i / 256) + "." + (i % 256), false);
        }
        assertThat(t.allowed("olga", "10.0.0.2")).isFalse();
        assertThat(t.allowed("alice", "10.2.0.1")).as("full of live records: refused unchecked").isFalse();
        now.set(now.get().plus(LoginThrottle.WINDOW).plusSeconds(1));
        assertThat(t.allowed("alice", "10.2.0.1")).as("the records expired and were dropped").isTrue();
    }
}
