package org.leo.protocol.tpm.eventlog;

import java.util.List;

/**
 * A parsed crypto-agile TCG event log ({@link EventLogParser#parse}): the Spec ID event and the
 * TCG_PCR_EVENT2 records in log order. Nothing in it is trusted until {@link #replay()} matches
 * the PCR values of a verified quote; see {@link LogEvent} for what that verifies and what it
 * does not.
 */
public final class EventLog {
    /** PC Client TPMs have 24 PCRs per bank. */
    public static final int PCR_COUNT = 24;

    private final SpecIdEvent specId;
    private final List<LogEvent> events;
    private final int size;

    EventLog(SpecIdEvent specId, List<LogEvent> events, int size) {
        this.specId = specId;
        this.events = List.copyOf(events);
        this.size = size;
    }

    public SpecIdEvent specId() {
        return specId;
    }

    /** The TCG_PCR_EVENT2 records, in log order (the Spec ID event is not among them). */
    public List<LogEvent> events() {
        return events;
    }

    /** Size of the parsed log in bytes. */
    public int size() {
        return size;
    }

    /**
     * Replays the log into the 24 sha256-bank PCRs: what a TPM that saw exactly these extends
     * would report. Rules (see {@link ReplayedPcrs} for the initial values):
     * <ul>
     *   <li>every event except EV_NO_ACTION extends its PCR: {@code pcr := SHA-256(pcr || digest)};
     *       an extended event without a sha256 digest (a log without a sha256 bank) is an error;</li>
     *   <li>EV_NO_ACTION events are not extended (PFP 10.4.1), except that the "StartupLocality"
     *       EV_NO_ACTION event (TCG_EfiStartupLocalityEvent, PFP 10.4.5.3: 16-byte signature
     *       "StartupLocality\0" and one locality byte) sets PCR 0's initial value to 31 zero
     *       bytes and the locality. It must be in PCR 0, appear at most once and precede every
     *       extend of PCR 0 (TPM2_Startup happens before any measurement);</li>
     *   <li>an EV_EFI_HCRTM_EVENT in PCR 0 (the H-CRTM sequence runs before TPM2_Startup) starts
     *       PCR 0 at locality 4 (TPM 2.0 Part 1 section 34.3; tpm2-tools does the same) and must
     *       be the first extend of PCR 0; a StartupLocality other than 4 beside it is an error.</li>
     * </ul>
     */
    public ReplayedPcrs replay() throws EventLogFormatException {
        return PcrReplay.replay(this);
    }

    @Override
    public String toString() {
        return "EventLog[" + events.size() + " events, " + size + " bytes, banks " + specId.bankNames() + "]";
    }
}
