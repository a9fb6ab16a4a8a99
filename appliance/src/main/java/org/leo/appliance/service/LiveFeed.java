package org.leo.appliance.service;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.leo.attest.log.ChainedEntry;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dashboard's live view receives: every new boot event and attestation log entry, each followed by the
 * updated view of the HPC it is about. One thread reads the boot event log every {@value #POLL_MILLIS} ms (from the
 * newest event at start on: one indexed query when nothing is new) and takes the attestation log's commits, so neither
 * store's writer waits for a browser; it is the appliance's only reader of new boot events, and hands them to
 * {@link #onBootEvent} listeners too (the metrics). A subscriber that cannot keep up loses its stream (it ends once a
 * bounded backlog is full, never holding the appliance up), and the page reconnects and reloads its views.
 */
public final class LiveFeed implements AutoCloseable {
    public static final long POLL_MILLIS = 250;
    private static final Logger LOG = LoggerFactory.getLogger(LiveFeed.class);

    /** One event of the stream: {@code kind} is boot, log, hpc or audit; exactly the matching field is set. */
    public record Event(String kind, Instant at, Optional<String> mac, Optional<Dashboard.BootEventView> boot,
                        Optional<Dashboard.LogView> log, Optional<Dashboard.HpcView> hpc) { }

    private final Dashboard dashboard;
    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "leo-live-feed");
        t.setDaemon(true);
        return t;
    });
    private final List<Consumer<org.leo.boot.events.BootEvent>> bootListeners = new CopyOnWriteArrayList<>();
    private long lastBootEvent;

    public LiveFeed(Dashboard dashboard) {
        this.dashboard = dashboard;
        lastBootEvent = dashboard.parts().pxe().events().latestId();
        dashboard.attestation().ifPresent(a -> a.log().onCommit(c -> thread.execute(() -> logged(c))));
        thread.scheduleWithFixedDelay(this::pollBootEvents, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Hands {@code listener} every boot event recorded from now on, on the feed's thread. */
    public void onBootEvent(Consumer<org.leo.boot.events.BootEvent> listener) {
        bootListeners.add(listener);
    }

    /** Starts sending events to {@code subscriber}; the returned handle stops it. */
    public AutoCloseable subscribe(Consumer<Event> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** An audit record (an operator's action) for the live view. */
    public void audit(ChainedEntry c) {
        thread.execute(() -> publish(new Event("audit", c.entry().at(), Optional.of(c.entry().hpc()), Optional.empty(),
                Optional.of(Dashboard.view(c)), Optional.empty())));
    }

    /** The HPC's view changed without a logged event (its network was cut or restored): send it again. */
    public void changed(MacAddress mac) {
        thread.execute(() -> sendHpcs(Set.of(mac)));
    }

    private void pollBootEvents() {
        try {
            Set<MacAddress> touched = new LinkedHashSet<>();
            for (List<LoggedEvent> page = dashboard.parts().pxe().events().since(lastBootEvent, 1000); !page.isEmpty();
                    page = dashboard.parts().pxe().events().since(lastBootEvent, 1000)) {
                for (LoggedEvent e : page) {
                    lastBootEvent = e.id();
                    bootListeners.forEach(l -> l.accept(e.event()));
                    if (!subscribers.isEmpty()) {
                        e.event().mac().ifPresent(touched::add);
                        publish(new Event("boot", e.event().at(), e.event().mac().map(MacAddress::toString), Optional.of(Dashboard.view(e)),
                                Optional.empty(), Optional.empty()));
                    }
                }
            }
            sendHpcs(touched);
        } catch (RuntimeException e) {
            LOG.warn("live feed: reading the boot event log: {}", e.toString());
        }
    }

    private void logged(ChainedEntry c) {
        if (subscribers.isEmpty()) {
            return;
        }
        try {
            publish(new Event("log", c.entry().at(), Optional.of(c.entry().hpc()), Optional.empty(), Optional.of(Dashboard.view(c)),
                    Optional.empty()));
            mac(c.entry().hpc()).ifPresent(m -> sendHpcs(Set.of(m)));
        } catch (RuntimeException e) {
            LOG.warn("live feed: {}", e.toString());
        }
    }

    static Optional<MacAddress> mac(String text) {
        try {
            return Optional.of(MacAddress.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // "appliance"
        }
    }

    private void sendHpcs(Set<MacAddress> macs) {
        for (MacAddress m : macs) {
            Dashboard.HpcView v = dashboard.hpc(m);
            publish(new Event("hpc", Instant.now(), Optional.of(v.mac()), Optional.empty(), Optional.empty(), Optional.of(v)));
        }
    }

    private void publish(Event e) {
        for (Consumer<Event> s : subscribers) {
            try {
                s.accept(e);
            } catch (RuntimeException ex) {
                subscribers.remove(s);
            }
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
