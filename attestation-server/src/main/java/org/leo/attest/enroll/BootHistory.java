package org.leo.attest.enroll;

import java.util.Optional;
import org.leo.boot.events.BootSession;
import org.leo.boot.net.MacAddress;

/** The PXE server's record of boots: {@code SqliteBootEventLog::latestBoot} in the appliance. */
@FunctionalInterface
public interface BootHistory {
    Optional<BootSession> latestBoot(MacAddress mac);
}
