package org.leo.protocol.tpm.eventlog;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Parses a TCG crypto-agile event log (TCG PC Client Platform Firmware Profile v1.05, "PFP",
 * chapter 10), as an HPC reads it from {@code /sys/kernel/security/tpm0/binary_bios_measurements}.
 * The bytes are hostile: the HPC's owner controls them. A pure function that throws only
 * {@link EventLogFormatException}; every read is bounds-checked first and every length the log
 * declares is held against a named cap before anything is allocated for it.
 *
 * <p>Layout, all integers little-endian:
 * <ol>
 *   <li>a TCG_PCR_EVENT in the SHA-1 log format (PFP 10.2.1): pcrIndex 0, eventType EV_NO_ACTION,
 *       a 20-byte zero digest, eventSize, and as data the TCG_EfiSpecIDEvent "Spec ID Event03"
 *       (PFP 10.4.5.1) that declares the banks and their digest sizes ({@link SpecIdEvent});</li>
 *   <li>then TCG_PCR_EVENT2 records (PFP 10.2.2) to the end of the bytes: pcrIndex, eventType,
 *       TPML_DIGEST_VALUES (count, then count (TPM_ALG_ID, digest) pairs, each digest as long as
 *       the Spec ID event declares for its algorithm, so an algorithm this code does not know is
 *       skipped correctly), eventSize, event data.</li>
 * </ol>
 *
 * <p>Stricter than a lenient reader, on purpose:
 * <ul>
 *   <li>Each event must carry exactly one digest per declared bank (PFP 10.1: "there SHALL be a
 *       corresponding digest in all TCG_PCR_EVENT2 structures"; Linux stops exposing the log at
 *       the first event that breaks this, so a genuine log from securityfs always obeys it).
 *       An algorithm the Spec ID event does not declare cannot be skipped (its size is
 *       unknown) and is refused; so is a bank listed twice (which digest would count?).</li>
 *   <li>The log must end exactly at the end of an event: trailing bytes, including zero
 *       padding, are refused (securityfs never emits them).</li>
 *   <li>A SHA-1-only log (TPM 1.2 format, or a "Spec ID Event00/02" header) is refused: the Pi
 *       quotes the sha256 bank, which such a log cannot reproduce. UEFI firmware with a TPM 2.0
 *       writes the crypto-agile format (OVMF does), so nothing we boot produces one.</li>
 * </ul>
 */
public final class EventLogParser {
    /**
     * Largest log accepted: real firmware logs are 10-100 KB (OVMF with a UKI is under 40 KB; big
     * servers with many option ROMs and a full dbx reach a few hundred KB).
     */
    public static final int MAX_LOG_BYTES = 1 << 20;
    /** Largest TCG_PCR_EVENT2 count: a server with hundreds of drivers and option ROMs logs under 2,000. */
    public static final int MAX_EVENTS = 8192;
    /**
     * Largest event data: the biggest genuine events are UEFI variables (a full dbx is about 25 KB),
     * GPT tables (128 entries of 128 bytes) and SPDM certificate chains (at most 65,535 bytes).
     */
    public static final int MAX_EVENT_DATA_BYTES = 256 * 1024;
    /**
     * Most banks (declared algorithms, so digests per event): one per hash the TPM implements;
     * the TCG registry has fewer than 16 hash algorithms and real TPMs have 1-4 banks.
     */
    public static final int MAX_DIGESTS_PER_EVENT = 16;
    /** Largest digest size a Spec ID event may declare: SHA-512 and SHA3-512, the largest registry hashes. */
    public static final int MAX_DIGEST_BYTES = 64;

    static final byte[] SPEC_ID_SIGNATURE = "Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII);
    private static final int SIGNATURE_BYTES = 16;
    private static final int SHA1_DIGEST_BYTES = 20;
    private static final String HEADER = LogEvent.where(0, 0);

    private EventLogParser() {
    }

    public static EventLog parse(byte[] log) throws EventLogFormatException {
        if (log.length > MAX_LOG_BYTES) {
            throw new EventLogFormatException("event log: size " + log.length + " exceeds the " + MAX_LOG_BYTES + "-byte cap");
        }
        if (log.length == 0) {
            throw new EventLogFormatException("event log: empty, no Spec ID event");
        }
        EventLogReader r = new EventLogReader(log, HEADER);
        SpecIdEvent specId = specIdEvent(r, log);
        List<LogEvent> events = new ArrayList<>();
        while (r.remaining() > 0) {
            int index = events.size() + 1;
            int offset = r.position();
            r.at(LogEvent.where(index, offset));
            if (events.size() == MAX_EVENTS) {
                throw r.error("more events than the " + MAX_EVENTS + "-event cap");
            }
            events.add(event2(r, log, index, offset, specId));
        }
        return new EventLog(specId, events, log.length);
    }

    private static SpecIdEvent specIdEvent(EventLogReader r, byte[] log) throws EventLogFormatException {
        long pcr = r.u32("pcrIndex");
        EventType type = EventType.valueOf((int) r.u32("eventType"));
        if (!type.equals(EventType.EV_NO_ACTION)) {
            throw r.error("the first event is " + type + ", not the EV_NO_ACTION Spec ID event of a crypto-agile log:"
                    + " a SHA-1-only (TPM 1.2 format) log cannot be replayed for the sha256 bank");
        }
        if (pcr != 0) {
            throw r.error("the Spec ID event is in PCR " + pcr + ", expected PCR 0");
        }
        byte[] digest = r.bytes("digest", SHA1_DIGEST_BYTES);
        if (!Arrays.equals(digest, new byte[SHA1_DIGEST_BYTES])) {
            throw r.error("the Spec ID event has a non-zero digest");
        }
        int size = eventSize(r);
        EventLogReader d = new EventLogReader(log, r.position(), r.position() + size, HEADER + "Spec ID event ");
        r.bytes("event", size);

        byte[] signature = d.bytes("signature", SIGNATURE_BYTES);
        if (!Arrays.equals(signature, SPEC_ID_SIGNATURE)) {
            String shown = printable(signature);
            if (shown.startsWith("Spec ID Event0")) {
                throw d.error("signature is \"" + shown + "\": a SHA-1-only log (TPM 1.2 format), expected \"Spec ID Event03\"");
            }
            throw d.error("signature is \"" + shown + "\", expected \"Spec ID Event03\"");
        }
        long platformClass = d.u32("platformClass");
        int minor = d.u8("specVersionMinor");
        int major = d.u8("specVersionMajor");
        int errata = d.u8("specErrata");
        int uintnSize = d.u8("uintnSize");
        if (uintnSize != SpecIdEvent.UINTN_UINT32 && uintnSize != SpecIdEvent.UINTN_UINT64) {
            throw d.error("uintnSize is " + uintnSize + ", expected 1 (UINT32) or 2 (UINT64)");
        }
        long count = d.u32("numberOfAlgorithms");
        if (count == 0) {
            throw d.error("declares no algorithms");
        }
        if (count > MAX_DIGESTS_PER_EVENT) {
            throw d.error("numberOfAlgorithms " + count + " exceeds the " + MAX_DIGESTS_PER_EVENT + "-algorithm cap");
        }
        List<SpecIdEvent.DigestSize> algorithms = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            int alg = d.u16("digestSizes[" + i + "].algorithmId");
            int digestSize = d.u16("digestSizes[" + i + "].digestSize");
            String name = DigestAlgorithms.name(alg);
            if (algorithms.stream().anyMatch(a -> a.algorithmId() == alg)) {
                throw d.error("declares " + name + " twice");
            }
            int known = DigestAlgorithms.knownSize(alg);
            if (known >= 0 && digestSize != known) {
                throw d.error("declares " + name + " with " + digestSize + "-byte digests, expected " + known);
            }
            if (digestSize == 0 || digestSize > MAX_DIGEST_BYTES) {
                throw d.error("declares " + name + " with " + digestSize + "-byte digests, expected 1.." + MAX_DIGEST_BYTES);
            }
            algorithms.add(new SpecIdEvent.DigestSize(alg, digestSize));
        }
        int vendorInfoSize = d.u8("vendorInfoSize");
        byte[] vendorInfo = d.bytes("vendorInfo", vendorInfoSize);
        d.end("vendorInfo");
        return new SpecIdEvent(platformClass, minor, major, errata, uintnSize, algorithms, vendorInfo);
    }

    private static LogEvent event2(EventLogReader r, byte[] log, int index, int offset, SpecIdEvent specId)
            throws EventLogFormatException {
        long pcr = r.u32("pcrIndex");
        if (pcr >= EventLog.PCR_COUNT) {
            throw r.error("PCR index " + pcr + " is outside 0.." + (EventLog.PCR_COUNT - 1));
        }
        EventType type = EventType.valueOf((int) r.u32("eventType"));
        long count = r.u32("digests.count");
        if (count > MAX_DIGESTS_PER_EVENT) {
            throw r.error("digest count " + count + " exceeds the " + MAX_DIGESTS_PER_EVENT + "-digest cap");
        }
        List<SpecIdEvent.DigestSize> banks = specId.algorithms();
        if (count != banks.size()) {
            throw r.error("digest count " + count + " differs from the " + banks.size()
                    + " algorithms of the Spec ID event (" + specId.bankNames() + ")");
        }
        LinkedHashMap<Integer, byte[]> digests = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String field = "digests[" + i + "]";
            int alg = r.u16(field + ".hashAlg");
            int size = specId.digestSize(alg).orElseThrow(() -> r.error(field + " is " + DigestAlgorithms.name(alg)
                    + ", which the Spec ID event does not declare (" + specId.bankNames() + ")"));
            if (digests.containsKey(alg)) {
                throw r.error(field + " repeats " + DigestAlgorithms.name(alg));
            }
            digests.put(alg, r.bytes(field + ".digest", size));
        }
        int size = eventSize(r);
        byte[] data = r.bytes("event", size);
        return new LogEvent(index, offset, (int) pcr, type, digests, data);
    }

    /** Reads eventSize and holds it against the cap and the bytes left, before the data is read. */
    private static int eventSize(EventLogReader r) throws EventLogFormatException {
        long size = r.u32("eventSize");
        if (size > MAX_EVENT_DATA_BYTES) {
            throw r.error("event size " + size + " exceeds the " + MAX_EVENT_DATA_BYTES + "-byte cap");
        }
        if (size > r.remaining()) {
            throw r.error("event size " + size + " runs past the end of the log (" + r.remaining() + " bytes left)");
        }
        return (int) size;
    }

    /** Bytes for a message: printable ASCII as is, the rest as \xNN, stopping at the first NUL. */
    static String printable(byte[] bytes) {
        StringBuilder sb = new StringBuilder();
        for (byte b : bytes) {
            if (b == 0) {
                break;
            }
            if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append(String.format("\\x%02x", b & 0xFF));
            }
        }
        return sb.toString();
    }
}
