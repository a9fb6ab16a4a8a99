package org.leo.boot.events;

import java.util.List;

/**
 * Where boot events go. The SQLite-backed boot event log is the real one; {@link #NONE} is the
 * null object for components used alone.
 */
@FunctionalInterface
public interface BootEventSink {
    BootEventSink NONE = event -> { };

    /** Records an event durably before returning (an acknowledged event is never lost). */
    void record(BootEvent event);

    /**
     * Records {@code events} in order, durably before returning. A durable sink overrides this to
     * commit them together (the DHCP server's group commit records a burst at once).
     */
    default void recordAll(List<BootEvent> events) {
        events.forEach(this::record);
    }
}
