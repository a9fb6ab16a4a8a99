package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Set;

/**
 * Fuzzes the event log parser, the replay and the event data decoders, as go-attestation's
 * {@code attest/eventlog_fuzz.go} does: whatever the bytes, the only failure is an
 * {@link EventLogFormatException} whose message says where, and a parsed log keeps the caps.
 * Seeds (resources ...EventLogFuzzTestInputs/) are the UKI-shaped {@link SampleLogs} and the
 * event data shapes of OVMF, systemd-stub and the Linux EFI stub.
 */
class EventLogFuzzTest {
    private static final Set<EventType> IMAGE_TYPES = Set.of(EventType.EV_EFI_BOOT_SERVICES_APPLICATION,
            EventType.EV_EFI_BOOT_SERVICES_DRIVER, EventType.EV_EFI_RUNTIME_SERVICES_DRIVER);

    @FuzzTest(maxDuration = "30s")
    void parseReplayAndDecode(byte[] input) {
        EventLog log;
        try {
            log = EventLogParser.parse(input);
        } catch (EventLogFormatException e) {
            assertThat(e.getMessage()).startsWith("event ");
            return;
        }
        assertThat(input.length).isLessThanOrEqualTo(EventLogParser.MAX_LOG_BYTES);
        assertThat(log.size()).isEqualTo(input.length);
        assertThat(log.events().size()).isLessThanOrEqualTo(EventLogParser.MAX_EVENTS);
        int banks = log.specId().algorithms().size();
        assertThat(banks).isBetween(1, EventLogParser.MAX_DIGESTS_PER_EVENT);
        int previousOffset = -1;
        for (LogEvent e : log.events()) {
            assertThat(e.pcr()).isBetween(0, EventLog.PCR_COUNT - 1);
            assertThat(e.dataSize()).isLessThanOrEqualTo(EventLogParser.MAX_EVENT_DATA_BYTES);
            assertThat(e.algorithms()).hasSize(banks).doesNotHaveDuplicates();
            assertThat(e.offset()).isGreaterThan(previousOffset).isLessThan(input.length);
            e.sha256().ifPresent(d -> assertThat(d).hasSize(32));
            previousOffset = e.offset();
            decode(log, e);
        }
        try {
            ReplayedPcrs pcrs = log.replay();
            for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
                assertThat(pcrs.value(pcr)).hasSize(32);
            }
            assertThat(pcrs.startupLocality()).isBetween(0, 4);
        } catch (EventLogFormatException e) {
            assertThat(e.getMessage()).startsWith("event ");
        }
    }

    /** The decoders on raw bytes, as the data of any event could be. */
    @FuzzTest(maxDuration = "30s")
    void decodeEventData(byte[] input) {
        try {
            UefiImageLoadEvent image = UefiImageLoadEvent.decode("x: ", input);
            assertThat(image.devicePath().length).isEqualTo(input.length - 32);
        } catch (EventLogFormatException e) {
            assertThat(e.getMessage()).startsWith("x: ");
        }
        try {
            EventText text = EventText.decode("x", input);
            assertThat(text.text().length()).isLessThan(input.length);
        } catch (EventLogFormatException e) {
            assertThat(e.getMessage()).startsWith("x ");
        }
        try {
            TaggedEvent tagged = TaggedEvent.decode("x: ", input);
            assertThat(tagged.data().length).isEqualTo(input.length - 8);
            tagged.text();
        } catch (EventLogFormatException e) {
            assertThat(e.getMessage()).matches("(x: |tagged event ).*");
        }
    }

    private static void decode(EventLog log, LogEvent e) {
        try {
            if (IMAGE_TYPES.contains(e.type())) {
                UefiImageLoadEvent.decode(log, e);
            } else if (e.type().equals(EventType.EV_EVENT_TAG)) {
                TaggedEvent.decode(e).text();
            } else if (e.type().equals(EventType.EV_IPL)) {
                EventText.decode(e);
            }
        } catch (EventLogFormatException x) {
            assertThat(x.getMessage()).matches("(event |tagged event ).*");
        }
    }
}
