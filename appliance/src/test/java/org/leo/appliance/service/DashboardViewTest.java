package org.leo.appliance.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.leo.attest.appraise.Severity;
import org.leo.attest.server.HpcStatus;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.net.MacAddress;

class DashboardViewTest {
    /** A DHCP event has no protocol: its view failed /api/hpcs/{mac} with a 500 and stopped the live feed's boot events. */
    @Test
    void aDhcpBootEventWithoutAProtocolIsViewedWithAnEmptyOne() {
        BootEvent ack = BootEvent.dhcp(MacAddress.parse("52:54:00:78:00:01"), "10.79.1.10", BootStage.DHCP_ACK, "acked 10.79.1.10");
        Dashboard.BootEventView v = Dashboard.view(new LoggedEvent(7, ack));
        assertThat(v.protocol()).isEmpty();
        assertThat(v.stage()).isEqualTo("DHCP_ACK");
        assertThat(v.id()).isEqualTo(7);
    }

    /**
     * A tampered HPC is not attested again by a later clean verdict: the stage reads the worst verdict of the boot (which
     * AttestationLoopTest shows a clean verdict does not lower), not the latest.
     */
    @Test
    void theStageIsAttestedOnlyWhileNoVerdictOfTheBootWasWorseThanAWarning() {
        java.time.Instant now = java.time.Instant.now();
        java.util.function.Function<Severity, Optional<HpcStatus>> streaming = worst -> Optional.of(new HpcStatus("52:54:00:78:00:01",
                true, true, 12, 10, worst == Severity.INFO ? 0 : 1, 0, now, "clean: 3 check(s) match the baseline", worst));
        assertThat(Dashboard.stage(Dashboard.Stage.KERNEL, streaming.apply(Severity.INFO))).isEqualTo(Dashboard.Stage.ATTESTED);
        assertThat(Dashboard.stage(Dashboard.Stage.KERNEL, streaming.apply(Severity.WARNING))).isEqualTo(Dashboard.Stage.ATTESTED);
        assertThat(Dashboard.stage(Dashboard.Stage.KERNEL, streaming.apply(Severity.ERROR))).isEqualTo(Dashboard.Stage.ENROLLED);
        assertThat(Dashboard.stage(Dashboard.Stage.KERNEL, streaming.apply(Severity.CRITICAL))).isEqualTo(Dashboard.Stage.ENROLLED);
        // not streaming (its key rotated, or gone): where its boot events got it
        assertThat(Dashboard.stage(Dashboard.Stage.KERNEL, Optional.empty())).isEqualTo(Dashboard.Stage.KERNEL);
    }
}
