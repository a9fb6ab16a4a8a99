package org.leo.appliance.service;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.leo.attest.AttestationNode;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.ledger.Ledger;
import org.leo.pxe.PxeServer;

/**
 * The running parts of one appliance, as {@code leo serve} composed them: what the operator API, the
 * health checks and the dashboard read. Plain Java: the web layer only holds a reference.
 *
 * @param pxe         the boot server (always)
 * @param dataDir     the appliance's state directory
 * @param enrolled    the HPCs this Pi serves, in the order they were enrolled
 * @param attestation the attestation server, with {@code --attest}
 * @param fleet       the consensus service, with {@code --fleet}
 * @param ledger      the fleet's ledger, with {@code --fleet}
 * @param started     when the parts were up
 * @param defaults    the start-up banner's "which embedded default is in use" lines
 */
public record ApplianceParts(PxeServer pxe, Path dataDir, List<MacAddress> enrolled, Optional<AttestationNode> attestation,
                             Optional<FleetAppliance> fleet, Optional<Ledger> ledger, Instant started, List<String> defaults) {
    public ApplianceParts {
        enrolled = List.copyOf(enrolled);
        defaults = List.copyOf(defaults);
    }
}
