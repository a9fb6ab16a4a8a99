package org.leo.appliance.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Slows password guessing: after {@value #MAX_FAILURES} failed logins within {@link #WINDOW} for one user name, or from
 * one address, further attempts for it are refused unchecked until the window has passed. A success clears the user's
 * record. The tables are bounded: past {@value #MAX_KEYS} keys the oldest records are forgotten.
 */
public final class LoginThrottle {
    public static final int MAX_FAILURES = 5;
    public static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_KEYS = 4096;

    private final Clock clock;
    private final Map<String, Deque<Instant>> failures = new ConcurrentHashMap<>();

    public LoginThrottle() {
        this(Clock.systemUTC());
    }

    public LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    public boolean allowed(String user, String remote) {
        Instant now = clock.instant();
        return recent("user:" + user, now) < MAX_FAILURES && recent("from:" + remote, now) < MAX_FAILURES;
    }

    public void outcome(String user, String remote, boolean ok) {
        if (ok) {
            failures.remove("user:" + user);
            return;
        }
        if (failures.size() > MAX_KEYS) {
            failures.clear();
        }
        Instant now = clock.instant();
        for (String key : new String[] {"user:" + user, "from:" + remote}) {
            Deque<Instant> d = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(now);
                while (d.size() > MAX_FAILURES) {
                    d.removeFirst();
                }
            }
        }
    }

    private int recent(String key, Instant now) {
        Deque<Instant> d = failures.get(key);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            d.removeIf(t -> t.isBefore(now.minus(WINDOW)));
            return d.size();
        }
    }
}
