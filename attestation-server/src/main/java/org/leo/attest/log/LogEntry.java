package org.leo.attest.log;

import java.time.Instant;
import java.util.Objects;

/**
 * One record of the attestation event log, before it is chained.
 *
 * @param at       when the server decided it
 * @param hpc      the HPC it is about (its MAC), or {@code "appliance"} for the server itself
 * @param kind     what sort of record it is
 * @param severity how bad, for findings and verdicts; {@code INFO} otherwise
 * @param eventId  hierarchical id of what happened ("hardware.usb.added", "challenge.missed")
 * @param message  the operator sentence ("HPC 52:54:00:77:00:10: USB device 1-1 (0781:5567) appeared")
 * @param detail   machine-readable context, {@code key=value} lines (expected, got, challenge id)
 */
public record LogEntry(Instant at, String hpc, Kind kind, String severity, String eventId, String message,
                       String detail) {
    /** Longest text field stored; longer ones are cut (the sentence says what happened, detail is context). */
    public static final int MAX_FIELD_CHARS = 16 * 1024;

    public enum Kind {
        /** The server (re)started; carries the previous head it found. */
        SERVER_START,
        /** An HPC was enrolled (or refused enrollment). */
        ENROLLMENT,
        /** A challenge was appraised: the verdict. */
        VERDICT,
        /** One finding of a verdict, or a finding with no evidence (missed answer, dropped stream). */
        FINDING,
        /** What the server did about it. */
        ACTION,
        /** A TPM quote over the log head was made. */
        TPM_QUOTE,
        /** A task assigned to the HPC, and what became of it (task.assigned, task.loaded, task.done, task.refused). */
        TASK,
        /** The attestation policy was reloaded: the keys that changed and their new values. */
        POLICY
    }

    public LogEntry {
        Objects.requireNonNull(at, "at");
        hpc = cut(Objects.requireNonNull(hpc, "hpc"));
        Objects.requireNonNull(kind, "kind");
        severity = cut(Objects.requireNonNull(severity, "severity"));
        eventId = cut(Objects.requireNonNull(eventId, "eventId"));
        message = cut(Objects.requireNonNull(message, "message"));
        detail = cut(Objects.requireNonNull(detail, "detail"));
    }

    private static String cut(String s) {
        return s.length() <= MAX_FIELD_CHARS ? s : s.substring(0, MAX_FIELD_CHARS);
    }
}
