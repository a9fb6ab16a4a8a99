package org.leo.attest.server;

import java.time.Instant;

/** What the dashboard shows for one HPC. */
public record HpcStatus(String hpc, boolean connected, boolean baselined, long challengesSent, long verdicts, long findings,
                        int outstanding, Instant lastVerdictAt, String lastVerdict) {
}
