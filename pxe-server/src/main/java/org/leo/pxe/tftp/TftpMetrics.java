package org.leo.pxe.tftp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The counters of one {@link TftpServer}. Names are stable: dashboards and tests read them. */
final class TftpMetrics {
    /** Well-formed RRQ and WRQ received. */
    static final String REQUESTS = "tftp.requests";
    /** Requests answered with an ERROR and no transfer; tag {@code reason}. */
    static final String REFUSED = "tftp.refused";
    static final String COMPLETED = "tftp.completed";
    /** Transfers that ended before the last ACK (timeout, client error, shutdown), probes excluded. */
    static final String INCOMPLETE = "tftp.incomplete";
    /** Clients that ended with ERROR 8 after our OACK: size probes (OVMF, iPXE). */
    static final String PROBES = "tftp.probe";
    /** Packets that are not valid TFTP or not valid at that point of the exchange. */
    static final String MALFORMED = "tftp.malformed";
    /** DATA (or OACK) packets sent again after a timeout or a partial window ACK. */
    static final String RETRANSMITS = "tftp.retransmits";
    /** Packets to a transfer socket from a foreign address or port (answered with ERROR 5). */
    static final String UNKNOWN_TID = "tftp.unknown.tid";
    /** Transfers ended because they held their slot longer than {@link TftpConfig#maxTransferTime()}. */
    static final String OVERTIME = "tftp.overtime";

    private final MeterRegistry registry;
    final Counter requests;
    final Counter completed;
    final Counter incomplete;
    final Counter probes;
    final Counter malformed;
    final Counter retransmits;
    final Counter unknownTid;
    final Counter overtime;

    TftpMetrics(MeterRegistry registry) {
        this.registry = registry;
        requests = registry.counter(REQUESTS);
        completed = registry.counter(COMPLETED);
        incomplete = registry.counter(INCOMPLETE);
        probes = registry.counter(PROBES);
        malformed = registry.counter(MALFORMED);
        retransmits = registry.counter(RETRANSMITS);
        unknownTid = registry.counter(UNKNOWN_TID);
        overtime = registry.counter(OVERTIME);
    }

    /** Counts a refused request; {@code reason} is a fixed word (never client text). */
    void refused(String reason) {
        registry.counter(REFUSED, "reason", reason).increment();
    }
}
