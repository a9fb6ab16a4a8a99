package org.leo.protocol.tpm.eventlog;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One TCG_PCR_EVENT2 record of a crypto-agile event log (PFP v1.05 section 10.2.2): the PCR it
 * was extended into, its type, one digest per bank the Spec ID event declares, and its data.
 *
 * <p>Trust per field (as go-attestation's {@code Event}): nothing here is verified by parsing.
 * <ul>
 *   <li>{@link #pcr()} and the digests: claims; they are verified only when
 *       {@link EventLog#replay()} of the whole log reproduces PCR values that a verified quote
 *       covers. Then every digest extended into a quoted PCR is exactly what the TPM saw, in
 *       this order.</li>
 *   <li>{@link #type()} and {@link #data()}: untrusted claims even then. The TPM only saw the
 *       digest; the writer of the log chose the type and data. Data means something only where
 *       the verifier recomputes the digest from it (an EV_SEPARATOR, a UEFI variable, systemd's
 *       PCR 12 command line) or checks it against an expected image digest; an
 *       EV_EFI_BOOT_SERVICES_APPLICATION's device path, for example, is whatever the firmware
 *       (or an attacker who replaced it) wrote.</li>
 *   <li>{@link #index()} and {@link #offset()}: where the record sits in the bytes received.</li>
 * </ul>
 * EV_NO_ACTION events are not extended (PFP 10.4.1), so their digests mean nothing.
 */
public final class LogEvent {
    private final int index;
    private final int offset;
    private final int pcr;
    private final EventType type;
    private final Map<Integer, byte[]> digests;
    private final byte[] data;

    /** {@code digests} maps TPM_ALG_ID to digest in log order; taken over, not copied (the parser's). */
    LogEvent(int index, int offset, int pcr, EventType type, LinkedHashMap<Integer, byte[]> digests, byte[] data) {
        this.index = index;
        this.offset = offset;
        this.pcr = pcr;
        this.type = type;
        this.digests = digests;
        this.data = data;
    }

    /** The position in the log: 0 is the Spec ID event (not a LogEvent), so the first LogEvent is 1. */
    public int index() {
        return index;
    }

    /** Byte offset of the record in the log. */
    public int offset() {
        return offset;
    }

    /** PCR 0..23 (the parser refuses other indexes). */
    public int pcr() {
        return pcr;
    }

    public EventType type() {
        return type;
    }

    /** The sha256 digest; absent when the log has no sha256 bank (then it cannot be replayed for sha256). */
    public Optional<byte[]> sha256() {
        return digest(DigestAlgorithms.SHA256);
    }

    /** The digest for bank {@code algorithmId} (a TPM_ALG_ID), if the log carries that bank. */
    public Optional<byte[]> digest(int algorithmId) {
        byte[] d = digests.get(algorithmId);
        return d == null ? Optional.empty() : Optional.of(d.clone());
    }

    /** The banks this event has digests for, in log order. */
    public List<Integer> algorithms() {
        return new ArrayList<>(digests.keySet());
    }

    /** The event data (a copy). */
    public byte[] data() {
        return data.clone();
    }

    public int dataSize() {
        return data.length;
    }

    /** Read-only view for the decoders in this package (no copy). */
    byte[] dataUnsafe() {
        return data;
    }

    /** The prefix of every message about this event: "event 17 (offset 2345): ". */
    String where() {
        return where(index, offset);
    }

    static String where(int index, int offset) {
        return "event " + index + " (offset " + offset + "): ";
    }

    @Override
    public String toString() {
        byte[] sha = digests.get(DigestAlgorithms.SHA256);
        return "event " + index + " PCR " + pcr + " " + type + " sha256="
                + (sha == null ? "-" : HexFormat.of().formatHex(sha)) + " data " + data.length + " bytes";
    }
}
