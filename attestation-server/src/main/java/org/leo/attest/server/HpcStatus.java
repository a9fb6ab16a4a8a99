package org.leo.attest.server;

import java.time.Instant;

/**
 * What the dashboard shows for one HPC, for its current boot. {@code worst}: the worst severity of this boot's verdicts
 * (INFO when all were clean).
 */
public record HpcStatus(String hpc, boolean connected, boolean baselined, long challengesSent, long verdicts, long findings,
                        int outstanding, Instant lastVerdictAt, String lastVerdict, org.leo.attest.appraise.Severity worst) {
}
