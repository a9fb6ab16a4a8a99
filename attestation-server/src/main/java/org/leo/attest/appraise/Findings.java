package org.leo.attest.appraise;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the findings of one appraisal, with severities from the policy and sentences about one
 * HPC. Every id must be in {@link FindingIds}; every value is passed through {@link Printable}.
 * At most {@link #MAX_PER_ANSWER} findings are kept: the rest become one {@code findings.overflow}
 * finding that counts them and carries the worst severity among them, so a flood of small
 * differences can neither fill the log nor hide a critical one.
 */
public final class Findings {
    /** Findings kept per answer; one oversized answer once made 72,769. */
    public static final int MAX_PER_ANSWER = 64;

    private final String hpc;
    private final Policy policy;
    private final List<Finding> list = new ArrayList<>();
    private int dropped;
    private Severity worstDropped = Severity.INFO;
    private String firstDropped = "";

    public Findings(String hpc, Policy policy) {
        this.hpc = hpc;
        this.policy = policy;
    }

    /** Adds a finding; {@code what} is the sentence without the "HPC x: " prefix. */
    public void add(String component, String eventId, String expected, String got, String what) {
        if (!FindingIds.known(eventId)) {
            throw new IllegalArgumentException("finding id '" + eventId + "' is not in the catalogue (FindingIds)");
        }
        Severity severity = policy.severityOf(eventId);
        if (list.size() >= MAX_PER_ANSWER) {
            if (dropped++ == 0) {
                firstDropped = eventId;
            }
            if (severity.compareTo(worstDropped) > 0) {
                worstDropped = severity;
            }
            return;
        }
        list.add(new Finding(Printable.of(component), eventId, Printable.of(expected), Printable.of(got), severity,
                "HPC " + hpc + ": " + Printable.of(what, Printable.MAX_SENTENCE)));
    }

    /** The findings, with one {@code findings.overflow} at the end if any were dropped. */
    public List<Finding> list() {
        if (dropped == 0) {
            return List.copyOf(list);
        }
        List<Finding> out = new ArrayList<>(list);
        Severity own = policy.severityOf("findings.overflow");
        out.add(new Finding("evidence", "findings.overflow", MAX_PER_ANSWER + " findings at most", (MAX_PER_ANSWER + dropped) + " findings",
                own.compareTo(worstDropped) >= 0 ? own : worstDropped,
                "HPC " + hpc + ": " + dropped + " more findings in this answer were not recorded (at most " + MAX_PER_ANSWER
                        + " per answer; the first dropped was " + firstDropped + ", the worst " + worstDropped.lower() + ")"));
        return List.copyOf(out);
    }

    public Policy policy() {
        return policy;
    }

    public String hpc() {
        return hpc;
    }

    /** Shortens a digest or long value for a sentence. */
    public static String shortHex(String hex) {
        return hex.length() <= 16 ? hex : hex.substring(0, 16) + "..";
    }
}
