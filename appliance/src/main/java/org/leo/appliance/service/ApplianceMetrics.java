package org.leo.appliance.service;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.consensus.ledger.LedgerEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance-level meters Prometheus scrapes beside each component's own (DHCP, TFTP, HTTP, attestation, consensus):
 * <ul>
 * <li>{@code leo_boot_stage_total{stage}}: boot events by stage (dhcp_ack, script_served, file_served, file_refused, ...),
 * and {@code leo_boot_bytes_total{protocol}}: the bytes of the files served completely, by TFTP or HTTP;</li>
 * <li>{@code leo_hpcs{stage}}: the HPCs this Pi serves by the dashboard's stage (off .. attested);</li>
 * <li>{@code leo_ledger_head}: the ledger's newest entry as this Pi reads it, and {@code leo_ledger_lag_seconds}: how long
 * ago this Pi last saw it advance. The ledgers carry no time; a live fleet records a certificate every round, so a lag
 * of several round periods means this Pi's view of the ledger (or the chain) has stopped.</li>
 * </ul>
 * The boot events come from the {@link LiveFeed}'s reader (from the start on: counters count since this process
 * started, as Prometheus expects); one daemon thread reads the HPCs' stages and the ledger's head every
 * {@value #PERIOD_MILLIS} ms, never the scrape.
 */
public final class ApplianceMetrics implements AutoCloseable {
    static final long PERIOD_MILLIS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(ApplianceMetrics.class);

    private final ApplianceParts parts;
    private final Dashboard dashboard;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<BootStage, Counter> stages = new EnumMap<>(BootStage.class);
    private final Map<Dashboard.Stage, AtomicLong> hpcs = new EnumMap<>(Dashboard.Stage.class);
    private final AtomicLong head = new AtomicLong(-1);
    private volatile Instant headSeenAt;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leo-metrics");
        t.setDaemon(true);
        return t;
    });

    public ApplianceMetrics(ApplianceParts parts, Dashboard dashboard, LiveFeed feed, MeterRegistry registry, Clock clock) {
        this.parts = parts;
        this.dashboard = dashboard;
        this.registry = registry;
        this.clock = clock;
        for (BootStage s : BootStage.values()) {
            stages.put(s, Counter.builder("leo.boot.stage").description("Boot events by stage").tag("stage", s.name().toLowerCase(java.util.Locale.ROOT))
                    .register(registry));
        }
        for (Dashboard.Stage s : Dashboard.Stage.values()) {
            AtomicLong n = new AtomicLong();
            hpcs.put(s, n);
            Gauge.builder("leo.hpcs", n, AtomicLong::get).description("HPCs served by this Pi, by boot stage")
                    .tag("stage", s.name().toLowerCase(java.util.Locale.ROOT)).register(registry);
        }
        if (parts.ledger().isPresent()) {
            Gauge.builder("leo.ledger.head", head, AtomicLong::get).description("The ledger's newest entry as this Pi reads it").register(registry);
            Gauge.builder("leo.ledger.lag", this, m -> m.lagSeconds()).baseUnit("seconds")
                    .description("Seconds since this Pi last saw the ledger advance").register(registry);
        }
        feed.onBootEvent(this::count);
        thread.scheduleWithFixedDelay(this::read, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void count(BootEvent b) {
        stages.get(b.stage()).increment();
        if (b.stage() == BootStage.FILE_SERVED) {
            registry.counter("leo.boot.bytes", "protocol", b.protocol().name().toLowerCase(java.util.Locale.ROOT)).increment(b.bytes());
        }
    }

    private double lagSeconds() {
        Instant seen = headSeenAt;
        return seen == null ? 0 : Duration.between(seen, clock.instant()).toMillis() / 1000.0;
    }

    private void read() {
        try {
            Map<Dashboard.Stage, Long> count = new EnumMap<>(Dashboard.Stage.class);
            for (Dashboard.HpcView h : dashboard.hpcs()) {
                count.merge(Dashboard.Stage.valueOf(h.stage()), 1L, Long::sum);
            }
            hpcs.forEach((s, n) -> n.set(count.getOrDefault(s, 0L)));
            if (parts.ledger().isPresent()) {
                long seq = parts.ledger().get().head().map(LedgerEntry::seq).orElse(0L);
                if (seq != head.getAndSet(seq) || headSeenAt == null) {
                    headSeenAt = clock.instant();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("metrics: reading the appliance's stores: {}", e.toString());
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
