package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.SHA1;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.SHA256;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.SHA384;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Bank;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Digest;

/** Structure and caps of {@link EventLogParser}, each failure by name with its exact message. */
class EventLogParserTest {
    /** Offset of the first TCG_PCR_EVENT2 in a sha1+sha256 log without vendor info: 32 + 37. */
    private static final int FIRST = 69;
    private static final byte[] SEPARATOR = new byte[4];

    @Test
    void parsesTheSpecIdEventAndEveryEvent() throws Exception {
        byte[] log = EventLogWriter.sha1AndSha256().vendorInfo(new byte[] {1, 2, 3})
                .event(0, EventType.EV_S_CRTM_VERSION, EventLogWriter.utf16("1.0"))
                .event(7, EventType.EV_SEPARATOR, SEPARATOR)
                .build();
        EventLog parsed = EventLogParser.parse(log);

        SpecIdEvent spec = parsed.specId();
        assertThat(spec.specVersionMajor()).isEqualTo(2);
        assertThat(spec.specVersionMinor()).isZero();
        assertThat(spec.uintnSize()).isEqualTo(SpecIdEvent.UINTN_UINT64);
        assertThat(spec.algorithms()).containsExactly(new SpecIdEvent.DigestSize(SHA1, 20), new SpecIdEvent.DigestSize(SHA256, 32));
        assertThat(spec.vendorInfo()).containsExactly(1, 2, 3);
        assertThat(parsed.size()).isEqualTo(log.length);

        assertThat(parsed.events()).hasSize(2);
        LogEvent first = parsed.events().get(0);
        assertThat(first.index()).isEqualTo(1);
        assertThat(first.offset()).isEqualTo(FIRST + 3);
        assertThat(first.pcr()).isZero();
        assertThat(first.type()).isEqualTo(EventType.EV_S_CRTM_VERSION);
        assertThat(first.data()).isEqualTo(EventLogWriter.utf16("1.0"));
        assertThat(first.sha256()).hasValueSatisfying(d -> assertThat(d).isEqualTo(EventLogWriter.sha256(EventLogWriter.utf16("1.0"))));
        assertThat(first.algorithms()).containsExactly(SHA1, SHA256);
        assertThat(first.digest(SHA1).orElseThrow()).hasSize(20);
        assertThat(first.digest(SHA384)).isEmpty();
        LogEvent second = parsed.events().get(1);
        assertThat(second.index()).isEqualTo(2);
        assertThat(second.pcr()).isEqualTo(7);
        assertThat(second.type()).isEqualTo(EventType.EV_SEPARATOR);
    }

    @Test
    void aLogWithOnlyTheSpecIdEventHasNoEvents() throws Exception {
        assertThat(EventLogParser.parse(EventLogWriter.sha256Only().build()).events()).isEmpty();
    }

    @Test
    void anUnknownAlgorithmDeclaredInTheSpecIdEventIsSkippedByItsDeclaredSize() throws Exception {
        int sm2ish = 0x7777;
        byte[] log = new EventLogWriter(new Bank(sm2ish, 7), new Bank(SHA256, 32))
                .event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, "image".getBytes(StandardCharsets.US_ASCII), new byte[0])
                .event(4, EventType.EV_SEPARATOR, SEPARATOR)
                .build();
        EventLog parsed = EventLogParser.parse(log);
        assertThat(parsed.events()).hasSize(2);
        assertThat(parsed.events().get(0).digest(sm2ish).orElseThrow()).hasSize(7);
        assertThat(parsed.events().get(0).sha256().orElseThrow()).isEqualTo(EventLogWriter.sha256("image".getBytes(StandardCharsets.US_ASCII)));
        assertThat(parsed.events().get(1).type()).isEqualTo(EventType.EV_SEPARATOR);
        assertThat(parsed.events().get(1).data()).isEqualTo(SEPARATOR);
    }

    @Test
    void unknownEventTypesAreKept() throws Exception {
        byte[] log = EventLogWriter.sha256Only().rawEvent(5, 0x80000077, List.of(new Digest(SHA256, new byte[32])), 1, new byte[] {9}).build();
        assertThat(EventLogParser.parse(log).events().get(0).type()).hasToString("UNKNOWN(0x80000077)");
    }

    @Test
    void emptyLog() {
        assertFails(new byte[0], "event log: empty, no Spec ID event");
    }

    @Test
    void logOverTheSizeCap() {
        assertFails(new byte[EventLogParser.MAX_LOG_BYTES + 1], "event log: size 1048577 exceeds the 1048576-byte cap");
    }

    @Test
    void truncatedHeader() {
        byte[] log = Arrays.copyOf(EventLogWriter.sha256Only().build(), 10);
        assertFails(log, "event 0 (offset 0): truncated in digest: expected 20 bytes, got 2");
    }

    @Test
    void truncatedSpecIdEvent() {
        byte[] specId = Arrays.copyOf(EventLogWriter.specIdEvent(List.of(new Bank(SHA256, 32)), 2, new byte[0]), 20);
        byte[] log = EventLogWriter.specIdHeader(specId);
        assertFails(log, "event 0 (offset 0): Spec ID event truncated in specVersionMinor: expected 1 bytes, got 0");
    }

    @Test
    void specIdEventSizeBeyondTheEnd() {
        byte[] full = EventLogWriter.sha256Only().build();
        assertFails(Arrays.copyOf(full, full.length - 5),
                "event 0 (offset 0): event size 33 runs past the end of the log (28 bytes left)");
    }

    @Test
    void aSha1OnlyTpm12LogIsRefused() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        EventLogWriter.le32(log, 0);
        EventLogWriter.le32(log, EventType.EV_S_CRTM_VERSION.code());
        log.writeBytes(new byte[20]);
        EventLogWriter.le32(log, 2);
        log.writeBytes(new byte[2]);
        assertFails(log.toByteArray(), "event 0 (offset 0): the first event is EV_S_CRTM_VERSION(0x8), not the EV_NO_ACTION"
                + " Spec ID event of a crypto-agile log: a SHA-1-only (TPM 1.2 format) log cannot be replayed for the sha256 bank");
    }

    @Test
    void aSpecIdEvent02HeaderIsRefusedAsSha1Only() {
        byte[] specId = EventLogWriter.specIdEvent(List.of(new Bank(SHA1, 20)), 2, new byte[0]);
        specId[14] = '2';
        assertFails(EventLogWriter.specIdHeader(specId), "event 0 (offset 0): Spec ID event signature is \"Spec ID Event02\":"
                + " a SHA-1-only log (TPM 1.2 format), expected \"Spec ID Event03\"");
    }

    @Test
    void aForeignSignatureIsShownEscaped() {
        byte[] specId = EventLogWriter.specIdEvent(List.of(new Bank(SHA256, 32)), 2, new byte[0]);
        specId[0] = (byte) 0xFF;
        specId[1] = '"';
        assertFails(EventLogWriter.specIdHeader(specId),
                "event 0 (offset 0): Spec ID event signature is \"\\xff\\x22ec ID Event03\", expected \"Spec ID Event03\"");
    }

    @Test
    void specIdEventInAnotherPcrOrWithADigest() {
        byte[] log = EventLogWriter.sha256Only().build();
        log[0] = 1;
        assertFails(log, "event 0 (offset 0): the Spec ID event is in PCR 1, expected PCR 0");
        byte[] digest = EventLogWriter.sha256Only().build();
        digest[8] = 1;
        assertFails(digest, "event 0 (offset 0): the Spec ID event has a non-zero digest");
    }

    @Test
    void knownAlgorithmDeclaredWithTheWrongSize() {
        assertFails(new EventLogWriter(new Bank(SHA256, 20)).build(),
                "event 0 (offset 0): Spec ID event declares sha256 with 20-byte digests, expected 32");
    }

    @Test
    void unknownAlgorithmDeclaredWithAnImpossibleSize() {
        assertFails(new EventLogWriter(new Bank(0x7777, 0)).build(),
                "event 0 (offset 0): Spec ID event declares alg 0x7777 with 0-byte digests, expected 1..64");
        assertFails(new EventLogWriter(new Bank(0x7777, 65)).build(),
                "event 0 (offset 0): Spec ID event declares alg 0x7777 with 65-byte digests, expected 1..64");
    }

    @Test
    void algorithmDeclaredTwice() {
        assertFails(new EventLogWriter(new Bank(SHA256, 32), new Bank(SHA256, 32)).build(),
                "event 0 (offset 0): Spec ID event declares sha256 twice");
    }

    @Test
    void noAlgorithmsOrMoreThanTheCap() {
        assertFails(new EventLogWriter().build(), "event 0 (offset 0): Spec ID event declares no algorithms");
        byte[] specId = EventLogWriter.specIdEvent(List.of(new Bank(SHA256, 32)), 2, new byte[0]);
        specId[24] = 17;
        assertFails(EventLogWriter.specIdHeader(specId),
                "event 0 (offset 0): Spec ID event numberOfAlgorithms 17 exceeds the 16-algorithm cap");
    }

    @Test
    void uintnSizeOtherThanOneOrTwo() {
        assertFails(EventLogWriter.sha256Only().uintnSize(3).build(),
                "event 0 (offset 0): Spec ID event uintnSize is 3, expected 1 (UINT32) or 2 (UINT64)");
    }

    @Test
    void specIdEventWithTrailingBytes() {
        byte[] specId = EventLogWriter.specIdEvent(List.of(new Bank(SHA256, 32)), 2, new byte[0]);
        assertFails(EventLogWriter.specIdHeader(Arrays.copyOf(specId, specId.length + 3)),
                "event 0 (offset 0): Spec ID event 3 trailing bytes after vendorInfo");
    }

    @Test
    void digestCountOverTheCap() {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        EventLogWriter.le32(event, 0);
        EventLogWriter.le32(event, EventType.EV_POST_CODE.code());
        EventLogWriter.le32(event, 0xFFFFFFFFL);
        byte[] log = EventLogWriter.sha1AndSha256().raw(event.toByteArray()).build();
        assertFails(log, "event 1 (offset 69): digest count 4294967295 exceeds the 16-digest cap");
    }

    @Test
    void digestCountOtherThanTheDeclaredBanks() {
        byte[] log = EventLogWriter.sha1AndSha256()
                .rawEvent(0, EventType.EV_POST_CODE.code(), List.of(new Digest(SHA256, new byte[32])), 0, new byte[0]).build();
        assertFails(log, "event 1 (offset 69): digest count 1 differs from the 2 algorithms of the Spec ID event (sha1, sha256)");
    }

    @Test
    void undeclaredAlgorithmCannotBeSkipped() {
        byte[] log = EventLogWriter.sha1AndSha256().rawEvent(0, EventType.EV_POST_CODE.code(),
                List.of(new Digest(SHA1, new byte[20]), new Digest(SHA384, new byte[48])), 0, new byte[0]).build();
        assertFails(log, "event 1 (offset 69): digests[1] is sha384, which the Spec ID event does not declare (sha1, sha256)");
        byte[] unknown = EventLogWriter.sha1AndSha256().rawEvent(0, EventType.EV_POST_CODE.code(),
                List.of(new Digest(0x7777, new byte[20]), new Digest(SHA256, new byte[32])), 0, new byte[0]).build();
        assertFails(unknown, "event 1 (offset 69): digests[0] is alg 0x7777, which the Spec ID event does not declare (sha1, sha256)");
    }

    @Test
    void aBankListedTwiceInOneEvent() {
        byte[] log = EventLogWriter.sha1AndSha256().rawEvent(0, EventType.EV_POST_CODE.code(),
                List.of(new Digest(SHA256, new byte[32]), new Digest(SHA256, new byte[32])), 0, new byte[0]).build();
        assertFails(log, "event 1 (offset 69): digests[1] repeats sha256");
    }

    @Test
    void truncatedDigest() {
        byte[] full = EventLogWriter.sha1AndSha256().event(0, EventType.EV_POST_CODE, new byte[0]).build();
        assertFails(Arrays.copyOf(full, FIRST + 12 + 22 + 2 + 10),
                "event 1 (offset 69): truncated in digests[1].digest: expected 32 bytes, got 10");
    }

    @Test
    void eventSizeBeyondTheEnd() {
        byte[] log = EventLogWriter.sha1AndSha256().rawEvent(4, EventType.EV_IPL.code(),
                List.of(new Digest(SHA1, new byte[20]), new Digest(SHA256, new byte[32])), 100, new byte[10]).build();
        assertFails(log, "event 1 (offset 69): event size 100 runs past the end of the log (10 bytes left)");
    }

    @Test
    void eventSizeOverTheCap() {
        byte[] log = EventLogWriter.sha1AndSha256().rawEvent(4, EventType.EV_IPL.code(),
                List.of(new Digest(SHA1, new byte[20]), new Digest(SHA256, new byte[32])), 9999999, new byte[10]).build();
        assertFails(log, "event 1 (offset 69): event size 9999999 exceeds the 262144-byte cap");
    }

    @Test
    void pcrIndexOutOfRange() {
        byte[] log = EventLogWriter.sha256Only().rawEvent(0xFFFFFFFFL, EventType.EV_IPL.code(),
                List.of(new Digest(SHA256, new byte[32])), 0, new byte[0]).build();
        assertFails(log, "event 1 (offset 65): PCR index 4294967295 is outside 0..23");
        byte[] pcr24 = EventLogWriter.sha256Only().rawEvent(24, EventType.EV_IPL.code(),
                List.of(new Digest(SHA256, new byte[32])), 0, new byte[0]).build();
        assertFails(pcr24, "event 1 (offset 65): PCR index 24 is outside 0..23");
    }

    @Test
    void trailingGarbageIsATruncatedEvent() {
        EventLogWriter w = EventLogWriter.sha1AndSha256().event(7, EventType.EV_SEPARATOR, SEPARATOR);
        int offset = w.nextOffset();
        byte[] log = w.raw(new byte[] {1, 2, 3}).build();
        assertFails(log, "event 2 (offset " + offset + "): truncated in pcrIndex: expected 4 bytes, got 3");
        assertThat(offset).isEqualTo(FIRST + 4 + 4 + 4 + 22 + 34 + 4 + 4);
    }

    @Test
    void trailingZeroPaddingIsRefused() {
        EventLogWriter w = EventLogWriter.sha1AndSha256().event(7, EventType.EV_SEPARATOR, SEPARATOR);
        int offset = w.nextOffset();
        byte[] log = w.raw(new byte[64]).build();
        assertFails(log, "event 2 (offset " + offset + "): digest count 0 differs from the 2 algorithms of the Spec ID event (sha1, sha256)");
    }

    @Test
    void moreEventsThanTheCap() throws Exception {
        EventLogWriter w = EventLogWriter.sha256Only();
        for (int i = 0; i < EventLogParser.MAX_EVENTS; i++) {
            w.event(16, EventType.EV_POST_CODE, new byte[0]);
        }
        assertThat(EventLogParser.parse(w.build()).events()).hasSize(EventLogParser.MAX_EVENTS);
        int offset = w.nextOffset();
        w.event(16, EventType.EV_POST_CODE, new byte[0]);
        assertFails(w.build(), "event 8193 (offset " + offset + "): more events than the 8192-event cap");
        assertThat(offset).isEqualTo(65 + 8192 * 50);
    }

    @Test
    void aLogWithoutASha256BankParses() throws Exception {
        EventLog log = EventLogParser.parse(new EventLogWriter(new Bank(SHA1, 20)).event(0, EventType.EV_POST_CODE, new byte[0]).build());
        assertThat(log.events().get(0).sha256()).isEmpty();
    }

    static void assertFails(byte[] log, String message) {
        assertThatThrownBy(() -> EventLogParser.parse(log)).isInstanceOf(EventLogFormatException.class).hasMessage(message);
    }
}
