package org.leo.boot.events;

import org.leo.boot.events.BootEvent;

/**
 * A {@link BootEvent} as stored, with its log id (strictly increasing in the order recorded).
 * Readers page with {@link SqliteBootEventLog#since(long, int)} and the last id they saw.
 */
public record LoggedEvent(long id, BootEvent event) {
}
