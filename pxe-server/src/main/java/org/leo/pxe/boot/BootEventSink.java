package org.leo.pxe.boot;

/**
 * Where boot events go. The SQLite-backed boot event log is the real one; {@link #NONE} is the
 * null object for components used alone.
 */
@FunctionalInterface
public interface BootEventSink {
    BootEventSink NONE = event -> { };

    /** Records an event durably before returning (an acknowledged event is never lost). */
    void record(BootEvent event);
}
