package org.leo.pxe.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The HTTP boot server's counters ({@code leo.http.*}). */
final class HttpBootMetrics {
    private final MeterRegistry registry;
    final Counter connections;
    final Counter bytesSent;
    final Counter idleClosed;
    final Counter pipelineOverflow;
    final Counter badRequests;

    HttpBootMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.connections = registry.counter("leo.http.connections");
        this.bytesSent = registry.counter("leo.http.bytes.sent");
        this.idleClosed = registry.counter("leo.http.idle.closed");
        this.pipelineOverflow = registry.counter("leo.http.pipeline.overflow");
        this.badRequests = registry.counter("leo.http.bad.requests");
    }

    void response(int status) {
        registry.counter("leo.http.responses", "status", Integer.toString(status)).increment();
    }
}
