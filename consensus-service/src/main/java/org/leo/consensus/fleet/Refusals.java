package org.leo.consensus.fleet;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every refusal of a peer, a connection or a request is a WARN line and one increment of
 * {@code consensus.refused{reason=NAME}}: the fleet's reasons ({@link FleetRefusal}) and a quorum
 * collector's ({@code QuorumCollector.Reason}) share the counter, each under its own name.
 */
public final class Refusals {
    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
    public static final String COUNTER = "consensus.refused";

    private final MeterRegistry registry;

    public Refusals(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Logs and counts a refusal of {@code peer} (an address or a member key) for {@code reason}. */
    public void refused(String reason, String peer, String message) {
        registry.counter(COUNTER, "reason", reason).increment();
        LOG.warn("consensus: refused {} ({}): {}", peer, reason, message);
    }

    public void refused(FleetRefusal reason, String peer, String message) {
        refused(reason.name(), peer, message);
    }

    /** How many refusals of {@code reason} were counted. */
    public long count(String reason) {
        var c = registry.find(COUNTER).tag("reason", reason).counter();
        return c == null ? 0 : (long) c.count();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
