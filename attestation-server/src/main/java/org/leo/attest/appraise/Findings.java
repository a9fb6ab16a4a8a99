package org.leo.attest.appraise;

import java.util.ArrayList;
import java.util.List;

/** Collects the findings of one appraisal, with severities from the policy and sentences about one HPC. */
public final class Findings {
    private final String hpc;
    private final Policy policy;
    private final List<Finding> list = new ArrayList<>();

    public Findings(String hpc, Policy policy) {
        this.hpc = hpc;
        this.policy = policy;
    }

    /** Adds a finding; {@code what} is the sentence without the "HPC x: " prefix. */
    public void add(String component, String eventId, String expected, String got, String what) {
        list.add(new Finding(component, eventId, expected, got, policy.severityOf(eventId), "HPC " + hpc + ": " + what));
    }

    public List<Finding> list() {
        return List.copyOf(list);
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
