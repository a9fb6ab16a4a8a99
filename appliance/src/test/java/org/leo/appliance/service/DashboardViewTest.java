package org.leo.appliance.service;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
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
}
