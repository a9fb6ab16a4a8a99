package org.leo.appliance.gateway;

import java.util.Optional;

/**
 * Why the gateway dropped a packet: each reason is one named counter of {@code table inet leo}, one log prefix
 * ({@code leo-gw-drop egress: }) and, for traffic from the HPC segment, an entry in the attempt sets that says which HPC
 * (by source MAC and address) tried to reach what.
 */
public enum DropReason {
    SPOOFED("spoofed", true, "from the HPC segment with a source address outside its subnet"),
    PI_PORT("pi_port", true, "from the HPC segment to the Pi on a port that is not one of its boot and attestation ports"),
    OPERATOR_PORT("operator_port", true, "from the HPC segment to the operator's web port (any of the Pi's addresses)"),
    EGRESS("egress", true, "from the HPC segment to anywhere beyond the Pi that no task allowance opens"),
    FORWARD("forward", false, "forwarded traffic that is neither a reply nor a task allowance (e.g. from the uplink to the HPC segment)");

    /** Every log line starts with this, then the reason: {@code leo-gw-drop egress: }. */
    public static final String LOG_PREFIX = "leo-gw-drop ";

    private final String counter;
    private final boolean fromHpc;
    private final String meaning;

    DropReason(String counter, boolean fromHpc, String meaning) {
        this.counter = counter;
        this.fromHpc = fromHpc;
        this.meaning = meaning;
    }

    /** The named counter (and the chain that counts, logs and drops). */
    public String counter() {
        return counter;
    }

    /** Whether the packets come from the HPC segment: recorded in the attempt sets, and findings about an HPC. */
    public boolean fromHpc() {
        return fromHpc;
    }

    /** What the counter counts, as the counter's comment and in {@code leo gateway counters}. */
    public String meaning() {
        return meaning;
    }

    public String logPrefix() {
        return LOG_PREFIX + counter + ": ";
    }

    /** The reason whose counter is named {@code name}. */
    public static Optional<DropReason> ofCounter(String name) {
        for (DropReason r : values()) {
            if (r.counter.equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
