package org.leo.appliance.gateway;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.leo.appliance.gateway.GatewayState.Attempt;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the gateway's attempt sets every few seconds and tells a {@link Listener} which HPC (by source MAC) was blocked
 * from reaching what since the last reading: the growth of each element, so an attempt is reported once. What the named
 * counters of the HPC side grew by beyond what the sets attribute (a full set, a non-Ethernet link) is reported as
 * unattributed. Counters that went down (the ruleset was applied again) count from zero.
 *
 * <p>The first reading reports everything the sets hold: after a restart, attempts of the last
 * {@link GatewayRuleset#ATTEMPT_TIMEOUT} are reported again rather than lost.
 */
public final class EgressWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EgressWatch.class);
    /** Destinations named in one sentence; the rest are counted. */
    static final int MAX_LISTED = 8;

    /** Where readings go. Called on the watch's own thread; a listener that throws is logged and called again next time. */
    public interface Listener {
        /** {@code b.hpc()} was blocked since the last reading. */
        void blocked(Blocked b);

        /** {@code packets} from the HPC segment were blocked since the last reading that no attempt set attributes. */
        default void unattributed(long packets) {
        }
    }

    /** What one HPC was blocked from since the last reading: each attempt with its growth, most packets first. */
    public record Blocked(MacAddress hpc, List<Attempt> attempts) {
        public Blocked {
            attempts = List.copyOf(attempts);
        }

        public long packets() {
            return attempts.stream().mapToLong(Attempt::packets).sum();
        }

        /** {@code tcp 192.0.2.7:443 x3, udp 192.0.2.7:53 x1}, at most {@link #MAX_LISTED} of them. */
        public String targets() {
            String listed = attempts.stream().limit(MAX_LISTED).map(a -> a.target() + " x" + a.packets()).collect(Collectors.joining(", "));
            return attempts.size() > MAX_LISTED ? listed + " and " + (attempts.size() - MAX_LISTED) + " more" : listed;
        }

        /** {@code the Pi's gateway blocked 4 packets from 10.77.0.10 to tcp 192.0.2.7:443 x3, udp 192.0.2.7:53 x1}. */
        public String sentence() {
            String sources = attempts.stream().map(a -> Addresses.text(a.source())).distinct().sorted().collect(Collectors.joining(", "));
            return "the Pi's gateway blocked " + packets() + " packet" + (packets() == 1 ? "" : "s") + " from " + sources + " to " + targets();
        }
    }

    /** One reading's news: per HPC, and what the counters grew by beyond that. */
    public record Reading(List<Blocked> blocked, long unattributed) { }

    private final Nft nft;
    private final Listener listener;
    private final ScheduledExecutorService timer;
    private GatewayState last = new GatewayState(Map.of(), List.of());
    private boolean failing;

    private EgressWatch(Nft nft, Listener listener, ScheduledExecutorService timer) {
        this.nft = nft;
        this.listener = listener;
        this.timer = timer;
    }

    /** A watch that reads only when {@link #poll} is called (tests). */
    public static EgressWatch manual(Nft nft, Listener listener) {
        return new EgressWatch(nft, listener, null);
    }

    /** Reads now and then every {@code every}, on a daemon thread of its own, until closed. */
    public static EgressWatch start(Nft nft, Duration every, Listener listener) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "leo-gateway-watch");
            t.setDaemon(true);
            return t;
        });
        EgressWatch w = new EgressWatch(nft, listener, timer);
        timer.scheduleWithFixedDelay(w::pollQuietly, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return w;
    }

    /** Reads the table once and tells the listener what is new; returns it. */
    public synchronized Reading poll() throws IOException {
        GatewayState now = GatewayState.parse(nft.listTable());
        Reading r = diff(last, now);
        last = now;
        for (Blocked b : r.blocked()) {
            try {
                listener.blocked(b);
            } catch (RuntimeException e) {
                LOG.warn("gateway: reporting what HPC {} was blocked from failed: {}", b.hpc(), e.toString());
            }
        }
        if (r.unattributed() > 0) {
            listener.unattributed(r.unattributed());
        }
        return r;
    }

    private void pollQuietly() {
        try {
            poll();
            if (failing) {
                LOG.info("gateway: {} reads table inet {} again", nft, GatewayRuleset.TABLE);
                failing = false;
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                LOG.warn("gateway: cannot read table inet {} ({}); blocked attempts are not reported until it can", GatewayRuleset.TABLE,
                        e.getMessage());
                failing = true;
            }
        }
    }

    /** What {@code now} holds beyond {@code before}: pure. */
    static Reading diff(GatewayState before, GatewayState now) {
        Map<GatewayState.Key, Attempt> previous = new HashMap<>();
        before.attempts().forEach(a -> previous.put(a.key(), a));
        Map<MacAddress, List<Attempt>> grown = new TreeMap<>();
        long attributed = 0;
        for (Attempt a : now.attempts()) {
            Attempt p = previous.get(a.key());
            long packets = growth(p == null ? 0 : p.packets(), a.packets());
            if (packets > 0) {
                long bytes = growth(p == null ? 0 : p.bytes(), a.bytes());
                grown.computeIfAbsent(a.mac(), m -> new ArrayList<>())
                        .add(new Attempt(a.mac(), a.source(), a.destination(), a.protocol(), a.port(), packets, bytes));
                attributed += packets;
            }
        }
        long counted = 0;
        for (DropReason r : DropReason.values()) {
            if (r.fromHpc()) {
                GatewayState.Count b = before.counters().get(r.counter());
                GatewayState.Count n = now.counters().get(r.counter());
                counted += growth(b == null ? 0 : b.packets(), n == null ? 0 : n.packets());
            }
        }
        List<Blocked> blocked = new ArrayList<>();
        Comparator<Attempt> order = Comparator.comparingLong(Attempt::packets).reversed()
                .thenComparing(Attempt::target).thenComparing(a -> Addresses.text(a.source()));
        grown.forEach((mac, list) -> {
            list.sort(order);
            blocked.add(new Blocked(mac, list));
        });
        return new Reading(List.copyOf(blocked), Math.max(0, counted - attributed));
    }

    /** How much a count grew; a count that went down was reset (the ruleset applied again) and grew from zero. */
    private static long growth(long before, long now) {
        return now >= before ? now - before : now;
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
