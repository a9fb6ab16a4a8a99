package org.leo.appliance.gateway;

import org.leo.attest.server.AttestationEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes each reading of the {@link EgressWatch} a finding: {@code network.egress.blocked} about the HPC whose MAC sent
 * the packets, one per HPC and reading, with every destination it tried (at most {@link EgressWatch#MAX_LISTED} named).
 * The attestation engine logs it and acts on its severity like any other finding (docs/trust-model.md). The MAC is the
 * frame's source: an HPC that forges another's MAC makes the finding about that one (docs/gateway.md).
 */
public final class GatewayFindings implements EgressWatch.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayFindings.class);
    /** The finding id, in the catalogue of attestation-server's FindingIds. */
    public static final String ID = "network.egress.blocked";

    private final AttestationEngine engine;

    public GatewayFindings(AttestationEngine engine) {
        this.engine = engine;
    }

    @Override
    public void blocked(EgressWatch.Blocked b) {
        engine.finding(b.hpc().toString(), "gateway", ID, "no traffic beyond the Pi's boot and attestation ports", b.targets(), b.sentence());
    }

    @Override
    public void unattributed(long packets) {
        LOG.warn("gateway: {} blocked packets from the HPC segment could not be attributed to an HPC (attempt sets full, or not "
                + "Ethernet); 'leo gateway counters' shows the counts", packets);
    }
}
