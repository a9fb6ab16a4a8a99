package org.leo.protocol.tpm.eventlog;

/**
 * Bytes that are not a TCG event log (or event data) of the shape they claim, or a log that
 * breaks a cap or a replay rule. The only exception the parser, the replay and the event data
 * decoders throw. The message says where and what: "event 17 (offset 2345): event size 9999999
 * exceeds the 262144-byte cap"; errors about the log as a whole start with "event log: ".
 */
public final class EventLogFormatException extends Exception {
    public EventLogFormatException(String message) {
        super(message, null, false, false);
    }
}
