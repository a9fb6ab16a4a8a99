package org.leo.attest.appraise;

import java.util.Objects;

/**
 * One difference between what an HPC showed and what it should show, structured (after keylime's
 * {@code Failure}): which component, a hierarchical event id the policy keys on, what was expected
 * and what was seen, and a sentence an operator reads.
 *
 * @param component the part of the HPC ("disk /dev/vda", "usb", "process table", "stream")
 * @param eventId   hierarchical id: "hardware.usb.added", "disk.root.changed", "challenge.missed"
 * @param expected  the reference value, or "" when there is none (something new appeared)
 * @param got       what the evidence said, or "" when something disappeared or nothing came
 * @param severity  from the policy
 * @param sentence  "HPC 52:54:00:77:00:10: USB device 1-1 (0781:5567 SanDisk) appeared"
 */
public record Finding(String component, String eventId, String expected, String got, Severity severity, String sentence) {
    public Finding {
        Objects.requireNonNull(component, "component");
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(got, "got");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(sentence, "sentence");
    }

    /** {@code key=value} lines for the event log's detail column. */
    public String detail() {
        return "component=" + oneLine(component) + "\nexpected=" + oneLine(expected) + "\ngot=" + oneLine(got);
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ');
    }
}
