package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootEventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DHCP server's one worker thread, with group commit. The event loop only queues datagrams
 * ({@link #submit}); the worker takes whatever has queued up (at most {@link #MAX_BATCH}), decides
 * each one (leases are staged in memory), then makes the whole burst durable at once (one lease
 * transaction, one boot event transaction) and only then sends the replies. So every ACK still
 * leaves after its lease is on disk, as before, but a burst of N clients costs two fsyncs instead
 * of N lease commits plus 2N event commits; an idle server commits each request on its own, so a
 * lone client waits no longer than before. If the commit fails, no reply of the burst is sent
 * (the clients retransmit) and the failure is counted ({@code dhcp.errors}) and logged.
 */
final class GroupCommitWorker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWorker.class);
    /** Requests queued for the worker at most; beyond it packets are dropped (clients retransmit). */
    static final int MAX_QUEUED_REQUESTS = 1024;
    /** Requests decided and committed together at most: bounds the latency a burst adds to its first client. */
    static final int MAX_BATCH = 64;

    /** A reply that may only leave after the commit; discarded (buffers released) if the commit fails. */
    interface Reply {
        void send();

        void discard();
    }

    /** One queued request: decides it, appends the boot events it causes, returns its reply if any. */
    @FunctionalInterface
    interface Job {
        Optional<Reply> decide(List<BootEvent> events);
    }

    private final Runnable commitLeases;
    private final BootEventSink events;
    private final Counter dropped;
    private final Counter errors;
    private final BlockingQueue<Job> queue = new ArrayBlockingQueue<>(MAX_QUEUED_REQUESTS);
    private final Thread thread;
    private volatile boolean running = true;

    /** {@code commitLeases} makes staged leases durable (e.g. {@link LeaseStore#flush()}); it throws on failure. */
    GroupCommitWorker(Runnable commitLeases, BootEventSink events, MeterRegistry registry) {
        this.commitLeases = commitLeases;
        this.events = events;
        this.dropped = registry.counter("dhcp.dropped_overload");
        this.errors = registry.counter("dhcp.errors");
        this.thread = new Thread(this::run, "dhcp-worker");
        this.thread.setDaemon(true);
    }

    synchronized void start() {
        if (thread.getState() == Thread.State.NEW) {
            thread.start();
        }
    }

    /** Queues {@code job}; false (and counted) when the queue is full. Called from the event loop. */
    boolean submit(Job job) {
        if (queue.offer(job)) {
            return true;
        }
        dropped.increment();
        return false;
    }

    private void run() {
        List<Job> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                process(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) { // never let the worker die: the server would go silent
                errors.increment();
                LOG.error("DHCP worker: {}", e.toString(), e);
            } finally {
                batch.clear();
            }
        }
    }

    /** Decides every job of the batch, commits leases and events once, then sends the replies. */
    void process(List<Job> batch) {
        List<BootEvent> pending = new ArrayList<>();
        List<Reply> replies = new ArrayList<>(batch.size());
        for (Job job : batch) {
            try {
                job.decide(pending).ifPresent(replies::add);
            } catch (RuntimeException e) { // one bad request must not cost the others their replies
                errors.increment();
                LOG.error("DHCP request not handled: {}", e.toString(), e);
            }
        }
        try {
            commitLeases.run();
            events.recordAll(pending);
        } catch (RuntimeException e) {
            errors.increment();
            LOG.error("DHCP: commit of {} request(s) failed, {} reply(ies) not sent (clients will retry): {}",
                    batch.size(), replies.size(), e.toString());
            replies.forEach(Reply::discard);
            return;
        }
        for (Reply r : replies) {
            r.send();
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }
}
