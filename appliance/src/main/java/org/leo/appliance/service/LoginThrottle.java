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
 * record. The table is bounded: past {@value #MAX_KEYS} keys the expired records are dropped, and while it is still full
 * of live ones every login is refused unchecked (fail closed: a flood of names or addresses cannot flush the records
 * that throttle a guesser).
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
        if (failures.size() > MAX_KEYS) {
            failures.keySet().removeIf(k -> recent(k, now) == 0);
            if (failures.size() > MAX_KEYS) {
                return false;
            }
        }
        return recent("user:" + user, now) < MAX_FAILURES && recent("from:" + remote, now) < MAX_FAILURES;
    }

    public void outcome(String user, String remote, boolean ok) {
        if (ok) {
            failures.remove("user:" + user);
            return;
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
