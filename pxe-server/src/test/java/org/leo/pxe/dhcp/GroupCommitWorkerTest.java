package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootEventSink;
import org.leo.boot.events.BootStage;
import org.leo.boot.net.MacAddress;

/**
 * Group commit keeps "no ACK before the lease is durable": a burst of REQUESTs decided by the real
 * policy over a real SQLite store, with replies that look at the database file (through a second
 * connection) at the moment they are sent.
 */
class GroupCommitWorkerTest {
    static final List<MacAddress> MACS = List.of(DhcpPolicyTest.POOL_A, DhcpPolicyTest.POOL_B, DhcpPolicyTest.POOL_C);

    @TempDir
    Path dir;
    LeaseStore store;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T00:00:00Z"));
    final List<String> sent = new ArrayList<>();
    final List<String> discarded = new ArrayList<>();
    final List<BootEvent> recorded = new ArrayList<>();

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    DhcpPolicy policy() {
        store = LeaseStore.open(dir.resolve("leases.db"));
        return new DhcpPolicy(DhcpPolicyTest.config()
                .pool(new AddressPool(Packets.ip("10.0.0.100"), Packets.ip("10.0.0.110"))).build(), store, registry, clock);
    }

    /** What a second process reading the lease file sees for {@code mac} right now. */
    Optional<Lease> onDisk(MacAddress mac) {
        try (LeaseStore other = LeaseStore.open(dir.resolve("leases.db"))) {
            return other.byMac(mac);
        }
    }

    /** A job that decides a SELECTING REQUEST for {@code mac}; its reply records whether the lease was on disk. */
    GroupCommitWorker.Job request(DhcpPolicy p, MacAddress mac, Inet4Address offered) {
        return events -> {
            Outcome out = p.decide(DhcpPolicyTest.select(mac, DhcpPolicyTest.SERVER, offered), DhcpPolicy.Port.DHCP);
            events.add(BootEvent.dhcp(mac, "test", out.stage(), out.detail()));
            return out.reply().map(reply -> new GroupCommitWorker.Reply() {
                @Override
                public void send() {
                    sent.add(reply.type() + " " + mac + " durable=" + onDisk(mac).map(Lease::address).equals(Optional.of(offered)));
                }

                @Override
                public void discard() {
                    discarded.add(reply.type() + " " + mac);
                }
            });
        };
    }

    List<GroupCommitWorker.Job> burst(DhcpPolicy p) {
        List<GroupCommitWorker.Job> jobs = new ArrayList<>();
        for (MacAddress mac : MACS) {
            Inet4Address offered = DhcpPolicyTest.yiaddr(p.handle(DhcpPolicyTest.discover(mac), DhcpPolicy.Port.DHCP));
            jobs.add(request(p, mac, offered));
        }
        return jobs;
    }

    @Test
    void aBurstIsCommittedOnceAndEveryAckLeavesAfterItsLeaseIsOnDisk() {
        DhcpPolicy p = policy();
        List<Integer> sentAtCommit = new ArrayList<>();
        List<Boolean> onDiskBeforeCommit = new ArrayList<>();
        GroupCommitWorker w = new GroupCommitWorker(() -> {
            sentAtCommit.add(sent.size());
            onDiskBeforeCommit.add(MACS.stream().anyMatch(m -> onDisk(m).isPresent()));
            store.flush();
        }, recorded::add, registry);

        w.process(burst(p));

        assertThat(sentAtCommit).containsExactly(0); // one commit, and no reply had left before it
        assertThat(onDiskBeforeCommit).containsExactly(false); // decisions were only staged
        assertThat(sent).hasSize(3).allMatch(s -> s.startsWith("ACK ") && s.endsWith("durable=true"));
        assertThat(recorded).extracting(BootEvent::stage).containsOnly(BootStage.DHCP_ACK).hasSize(3);
        assertThat(discarded).isEmpty();
    }

    @Test
    void aFailedCommitSendsNoReplyOfTheBurstAndForgetsItsLeases() {
        DhcpPolicy p = policy();
        GroupCommitWorker w = new GroupCommitWorker(() -> {
            throw new IllegalStateException("disk full");
        }, recorded::add, registry);

        w.process(burst(p));

        assertThat(sent).isEmpty();
        assertThat(discarded).hasSize(3);
        assertThat(recorded).isEmpty();
        assertThat(registry.counter("dhcp.errors").count()).isEqualTo(1.0);
    }

    @Test
    void aFailedEventCommitAlsoWithholdsTheReplies() {
        DhcpPolicy p = policy();
        BootEventSink broken = e -> {
            throw new IllegalStateException("event log gone");
        };
        new GroupCommitWorker(store::flush, broken, registry).process(burst(p));
        assertThat(sent).isEmpty();
        assertThat(discarded).hasSize(3);
    }

    @Test
    void aJobThatThrowsCostsOnlyItsOwnReply() {
        DhcpPolicy p = policy();
        List<GroupCommitWorker.Job> jobs = new ArrayList<>(burst(p));
        jobs.add(1, events -> {
            throw new IllegalStateException("bug");
        });
        new GroupCommitWorker(store::flush, recorded::add, registry).process(jobs);
        assertThat(sent).hasSize(3).allMatch(s -> s.endsWith("durable=true"));
        assertThat(registry.counter("dhcp.errors").count()).isEqualTo(1.0);
    }

    @Test
    void aFullQueueDropsAndCounts() {
        GroupCommitWorker w = new GroupCommitWorker(() -> { }, BootEventSink.NONE, registry); // not started: nothing drains
        for (int i = 0; i < GroupCommitWorker.MAX_QUEUED_REQUESTS; i++) {
            assertThat(w.submit(events -> Optional.empty())).isTrue();
        }
        assertThat(w.submit(events -> Optional.empty())).isFalse();
        assertThat(registry.counter("dhcp.dropped_overload").count()).isEqualTo(1.0);
    }
}
