package org.leo.attest.appraise;

import java.util.Comparator;
import java.util.List;

/**
 * The outcome of appraising one challenge (or of a challenge that got no answer): every finding,
 * and the worst severity among them. No finding means the HPC is as it should be.
 */
public record Verdict(String hpc, long challengeId, List<Finding> findings) {
    public Verdict {
        findings = List.copyOf(findings);
    }

    public boolean clean() {
        return findings.isEmpty();
    }

    public Severity severity() {
        return findings.stream().map(Finding::severity).max(Comparator.naturalOrder()).orElse(Severity.INFO);
    }

    /** Joins two verdicts of the same challenge. */
    public Verdict merge(Verdict other) {
        return new Verdict(hpc, challengeId, java.util.stream.Stream.concat(findings.stream(), other.findings.stream()).toList());
    }

    public String sentence() {
        if (clean()) {
            return "HPC " + hpc + ": challenge " + challengeId + " appraised clean";
        }
        return "HPC " + hpc + ": challenge " + challengeId + ": " + findings.size() + " finding(s), worst "
                + severity().lower() + ": " + findings.get(0).sentence() + (findings.size() > 1 ? " (and more)" : "");
    }
}
