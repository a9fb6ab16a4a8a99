package org.leo.attest.server;

import java.security.PublicKey;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import org.leo.attest.appraise.Golden;

/**
 * Everything the engine tracks about one HPC. Guarded by its own monitor: the scheduler, the
 * timeouts and the stream threads all touch it.
 */
final class HpcState {
    /** Answered challenge ids remembered per HPC, to call a re-sent answer a replay rather than unknown. */
    static final int ANSWERED_MEMORY = 1024;

    final String hpc;
    String bootNonce;
    Golden golden;
    /** The current stream, or null. */
    AgentLink link;
    /** Public key of the certificate the current stream runs on. */
    PublicKey key;
    String certificateSerial;
    long lastSequence = -1;
    Instant disconnectedAt;
    boolean dropReported;
    ScheduledFuture<?> nextChallenge;
    ScheduledFuture<?> dropTimer;
    final Map<Long, Outstanding> outstanding = new LinkedHashMap<>();
    final Map<Long, Instant> answered = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Instant> eldest) {
            return size() > ANSWERED_MEMORY;
        }
    };
    long challengesSent;
    long verdicts;
    long findings;
    Instant lastVerdictAt;
    String lastVerdict = "";

    HpcState(String hpc) {
        this.hpc = hpc;
    }
}
