package org.leo.protocol.tpm.eventlog;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes crypto-agile TCG event logs for tests, well-formed by default and malformed on request
 * (raw fields, raw bytes). Digests of known algorithms are real hashes of what {@link #event}
 * is given; an unknown algorithm gets a filler digest of its declared size.
 */
public final class EventLogWriter {
    static final int SHA1 = 0x0004;
    static final int SHA256 = 0x000B;
    static final int SHA384 = 0x000C;

    /** One TCG_EfiSpecIdEventAlgorithmSize / TPMT_HA. */
    record Bank(int alg, int size) {
    }

    /** One (algorithm, digest) pair of a TCG_PCR_EVENT2, written as given. */
    record Digest(int alg, byte[] bytes) {
    }

    private final List<Bank> banks;
    private final ByteArrayOutputStream events = new ByteArrayOutputStream();
    private int uintnSize = 2;
    private byte[] vendorInfo = new byte[0];
    private byte[] header;

    EventLogWriter(Bank... banks) {
        this.banks = List.of(banks);
    }

    /** A log with sha1 and sha256 banks, as OVMF with swtpm writes by default. */
    public static EventLogWriter sha1AndSha256() {
        return new EventLogWriter(new Bank(SHA1, 20), new Bank(SHA256, 32));
    }

    public static EventLogWriter sha256Only() {
        return new EventLogWriter(new Bank(SHA256, 32));
    }

    List<Bank> banks() {
        return banks;
    }

    EventLogWriter uintnSize(int size) {
        this.uintnSize = size;
        return this;
    }

    EventLogWriter vendorInfo(byte[] info) {
        this.vendorInfo = info.clone();
        return this;
    }

    /** Replaces the whole first event (TCG_PCR_EVENT + Spec ID event) by these bytes. */
    EventLogWriter header(byte[] bytes) {
        this.header = bytes.clone();
        return this;
    }

    /** An event whose digests are the hashes of {@code measured}, with {@code data} as event data. */
    public EventLogWriter event(int pcr, EventType type, byte[] measured, byte[] data) {
        List<Digest> digests = new ArrayList<>();
        for (Bank b : banks) {
            digests.add(new Digest(b.alg(), hash(b, measured)));
        }
        return rawEvent(pcr, type.code(), digests, data.length, data);
    }

    /** An event that measures its own data (EV_SEPARATOR, EV_EFI_ACTION, variables...). */
    public EventLogWriter event(int pcr, EventType type, byte[] data) {
        return event(pcr, type, data, data);
    }

    /** An event with these sha256 digest bytes (other banks get the hash of the digest bytes). */
    public EventLogWriter eventWithSha256(int pcr, EventType type, byte[] sha256, byte[] data) {
        List<Digest> digests = new ArrayList<>();
        for (Bank b : banks) {
            digests.add(new Digest(b.alg(), b.alg() == SHA256 ? sha256 : hash(b, sha256)));
        }
        return rawEvent(pcr, type.code(), digests, data.length, data);
    }

    /** An EV_NO_ACTION event with zero digests, as firmware writes them. */
    EventLogWriter noAction(int pcr, byte[] data) {
        List<Digest> digests = new ArrayList<>();
        for (Bank b : banks) {
            digests.add(new Digest(b.alg(), new byte[b.size()]));
        }
        return rawEvent(pcr, EventType.EV_NO_ACTION.code(), digests, data.length, data);
    }

    /** The TCG_EfiStartupLocalityEvent in PCR 0. */
    EventLogWriter startupLocality(int locality) {
        return noAction(0, startupLocalityData(locality));
    }

    static byte[] startupLocalityData(int locality) {
        byte[] data = Arrays.copyOf("StartupLocality\0".getBytes(StandardCharsets.US_ASCII), 17);
        data[16] = (byte) locality;
        return data;
    }

    /** A TCG_PCR_EVENT2 with every field as given (the count is the number of digests). */
    EventLogWriter rawEvent(long pcr, int type, List<Digest> digests, long eventSize, byte[] data) {
        le32(events, pcr);
        le32(events, type & 0xFFFFFFFFL);
        le32(events, digests.size());
        for (Digest d : digests) {
            le16(events, d.alg());
            events.writeBytes(d.bytes());
        }
        le32(events, eventSize);
        events.writeBytes(data);
        return this;
    }

    /** Appends bytes as they are. */
    EventLogWriter raw(byte[] bytes) {
        events.writeBytes(bytes);
        return this;
    }

    /** Offset the next event will be written at. */
    int nextOffset() {
        return headerBytes().length + events.size();
    }

    public byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(headerBytes());
        out.writeBytes(events.toByteArray());
        return out.toByteArray();
    }

    private byte[] headerBytes() {
        return header != null ? header : specIdHeader(specIdEvent(banks, uintnSize, vendorInfo));
    }

    /** A TCG_EfiSpecIDEvent ("Spec ID Event03", PFP 2.0 errata 0) declaring {@code banks}. */
    static byte[] specIdEvent(List<Bank> banks, int uintnSize, byte[] vendorInfo) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.writeBytes("Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII));
        le32(d, 0); // platformClass: client
        d.write(0); // specVersionMinor
        d.write(2); // specVersionMajor
        d.write(0); // specErrata
        d.write(uintnSize);
        le32(d, banks.size());
        for (Bank b : banks) {
            le16(d, b.alg());
            le16(d, b.size());
        }
        d.write(vendorInfo.length);
        d.writeBytes(vendorInfo);
        return d.toByteArray();
    }

    /** The first event, a SHA-1-format TCG_PCR_EVENT (PCR 0, EV_NO_ACTION, zero digest) around {@code specId}. */
    static byte[] specIdHeader(byte[] specId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le32(out, 0);
        le32(out, EventType.EV_NO_ACTION.code());
        out.writeBytes(new byte[20]);
        le32(out, specId.length);
        out.writeBytes(specId);
        return out.toByteArray();
    }

    static byte[] hash(Bank b, byte[] data) {
        String jca = switch (b.alg()) {
            case SHA1 -> "SHA-1";
            case SHA256 -> "SHA-256";
            case SHA384 -> "SHA-384";
            case 0x000D -> "SHA-512";
            default -> null;
        };
        if (jca == null) {
            byte[] filler = new byte[b.size()];
            Arrays.fill(filler, (byte) 0xA5);
            return filler;
        }
        try {
            return MessageDigest.getInstance(jca).digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        return hash(new Bank(SHA256, 32), data);
    }

    /** SHA-256(pcr || digest): one PCR extend. */
    static byte[] extend(byte[] pcr, byte[] digest) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(pcr);
            sha.update(digest);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void le16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >>> 8) & 0xFF);
    }

    static void le32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    static void le64(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 8; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }

    public static byte[] utf16(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_16LE);
        return Arrays.copyOf(text, text.length + 2);
    }

    public static byte[] ascii(String s) {
        byte[] text = s.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }

    /** A UEFI_IMAGE_LOAD_EVENT (64-bit UEFI). */
    public static byte[] imageLoadEvent(long location, long length, long linkTime, byte[] devicePath) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le64(out, location);
        le64(out, length);
        le64(out, linkTime);
        le64(out, devicePath.length);
        out.writeBytes(devicePath);
        return out.toByteArray();
    }

    /** A TCG_PCClientTaggedEvent. */
    public static byte[] taggedEvent(long id, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        le32(out, id);
        le32(out, data.length);
        out.writeBytes(data);
        return out.toByteArray();
    }
}
