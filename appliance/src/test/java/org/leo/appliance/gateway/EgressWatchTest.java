package org.leo.appliance.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.leo.appliance.gateway.GatewayState.Attempt;
import org.leo.appliance.gateway.GatewayState.Count;
import org.leo.boot.net.MacAddress;

/** {@link EgressWatch#diff}: what is news from one reading of the table to the next. The reading itself is {@link GatewayNetnsTest}'s. */
class EgressWatchTest {
    static final MacAddress A = MacAddress.parse("52:54:00:77:00:10");
    static final MacAddress B = MacAddress.parse("52:54:00:77:00:11");

    static Attempt attempt(MacAddress mac, String source, String destination, String protocol, int port, long packets) {
        return new Attempt(mac, Addresses.parse(source), Addresses.parse(destination), protocol, port, packets, packets * 60);
    }

    static GatewayState state(long egress, Attempt... attempts) {
        Map<String, Count> counters = new LinkedHashMap<>();
        for (DropReason r : DropReason.values()) {
            counters.put(r.counter(), new Count(r == DropReason.EGRESS ? egress : 0, 0));
        }
        return new GatewayState(counters, List.of(attempts));
    }

    static final GatewayState EMPTY = new GatewayState(Map.of(), List.of());

    @Test
    void theFirstReadingReportsEverythingPerHpcMostPacketsFirst() {
        GatewayState now = state(6, attempt(A, "10.77.0.10", "192.0.2.7", "udp", 53, 1), attempt(B, "10.77.0.11", "192.0.2.9", "icmp", 0, 2),
                attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 3));
        EgressWatch.Reading r = EgressWatch.diff(EMPTY, now);
        assertThat(r.unattributed()).isZero();
        assertThat(r.blocked()).extracting(EgressWatch.Blocked::hpc).containsExactly(A, B);
        EgressWatch.Blocked a = r.blocked().get(0);
        assertThat(a.packets()).isEqualTo(4);
        assertThat(a.targets()).isEqualTo("tcp 192.0.2.7:443 x3, udp 192.0.2.7:53 x1");
        assertThat(a.sentence()).isEqualTo("the Pi's gateway blocked 4 packets from 10.77.0.10 to tcp 192.0.2.7:443 x3, udp 192.0.2.7:53 x1");
        assertThat(r.blocked().get(1).sentence()).isEqualTo("the Pi's gateway blocked 2 packets from 10.77.0.11 to icmp 192.0.2.9 x2");
    }

    /** An attempt is reported once: the next reading reports only what grew, and nothing when nothing did. */
    @Test
    void onlyGrowthIsNews() {
        GatewayState first = state(4, attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 3), attempt(A, "10.77.0.10", "192.0.2.7", "udp", 53, 1));
        GatewayState second = state(6, attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 5), attempt(A, "10.77.0.10", "192.0.2.7", "udp", 53, 1));
        EgressWatch.Reading r = EgressWatch.diff(first, second);
        assertThat(r.blocked()).hasSize(1);
        assertThat(r.blocked().get(0).attempts()).containsExactly(new Attempt(A, Addresses.parse("10.77.0.10"), Addresses.parse("192.0.2.7"),
                "tcp", 443, 2, 120));
        assertThat(r.unattributed()).isZero();
        assertThat(EgressWatch.diff(second, second).blocked()).isEmpty();
    }

    /** Applying the ruleset again resets counters and sets: lower counts are counted from zero, not as negative news. */
    @Test
    void countsThatWentDownWereResetAndCountFromZero() {
        GatewayState before = state(10, attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 10));
        GatewayState after = state(2, attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 2));
        EgressWatch.Reading r = EgressWatch.diff(before, after);
        assertThat(r.blocked().get(0).packets()).isEqualTo(2);
        assertThat(r.unattributed()).isZero();
    }

    /** A full attempt set still counts in the named counter: the difference is reported as unattributed. */
    @Test
    void whatTheCountersCountedBeyondTheSetsIsUnattributed() {
        GatewayState now = state(9, attempt(A, "10.77.0.10", "192.0.2.7", "tcp", 443, 3));
        assertThat(EgressWatch.diff(EMPTY, now).unattributed()).isEqualTo(6);
    }

    @Test
    void aSentenceNamesAtMostEightDestinationsAndCountsTheRest() {
        List<Attempt> many = new ArrayList<>();
        for (int port = 1; port <= 11; port++) {
            many.add(attempt(A, "10.77.0.10", "192.0.2.7", "tcp", port, 1));
        }
        many.add(attempt(A, "2001:db8:77::10", "2001:db8:2::7", "udp", 53, 1));
        EgressWatch.Blocked b = EgressWatch.diff(EMPTY, state(12, many.toArray(Attempt[]::new))).blocked().get(0);
        assertThat(b.targets()).startsWith("tcp 192.0.2.7:1 x1, tcp 192.0.2.7:10 x1, ").endsWith(" and 4 more");
        assertThat(b.sentence()).startsWith("the Pi's gateway blocked 12 packets from 10.77.0.10, 2001:db8:77::10 to ");
    }
}
