package org.leo.pxe.dhcp;

import java.util.Optional;
import org.leo.boot.events.BootStage;

/**
 * What the policy decided for one request: the reply to send (if any), the boot stage that
 * describes the decision, a human-readable detail, and whether it goes to the boot event log.
 */
public record Outcome(Optional<DhcpMessage> reply, BootStage stage, String detail, boolean record) {
    static Outcome send(DhcpMessage reply, BootStage stage, String detail) {
        return new Outcome(Optional.of(reply), stage, detail, true);
    }

    static Outcome ignore(String why) {
        return new Outcome(Optional.empty(), BootStage.DHCP_IGNORED, why, true);
    }

    /** Ignored and not worth a boot event (repeats from an unknown MAC: a flood must not fill the log). */
    static Outcome ignoreQuietly(String why) {
        return new Outcome(Optional.empty(), BootStage.DHCP_IGNORED, why, false);
    }

    /** Handled without a reply (RELEASE, DECLINE). */
    static Outcome silent(BootStage stage, String detail) {
        return new Outcome(Optional.empty(), stage, detail, true);
    }
}
