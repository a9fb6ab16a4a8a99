package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.extend;
import static org.leo.protocol.tpm.eventlog.EventLogWriter.sha256;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Bank;

/** {@link EventLog#replay()}: extends, initial values, StartupLocality and H-CRTM rules. */
class EventLogReplayTest {
    private static final byte[] ZERO = new byte[32];
    private static final byte[] SEPARATOR = new byte[4];

    @Test
    void replayExtendsEveryEventButNoActionInLogOrder() throws Exception {
        byte[] app = "bootx64.efi".getBytes(StandardCharsets.US_ASCII);
        byte[] log = EventLogWriter.sha1AndSha256()
                .event(0, EventType.EV_S_CRTM_VERSION, EventLogWriter.utf16("1.0"))
                .noAction(0, "SP800-155 Event\0".getBytes(StandardCharsets.US_ASCII))
                .event(4, EventType.EV_EFI_ACTION, "Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII))
                .event(4, EventType.EV_SEPARATOR, SEPARATOR)
                .event(4, EventType.EV_EFI_BOOT_SERVICES_APPLICATION, app, new byte[0])
                .event(7, EventType.EV_SEPARATOR, SEPARATOR)
                .build();
        ReplayedPcrs pcrs = EventLogParser.parse(log).replay();

        assertThat(pcrs.value(0)).isEqualTo(extend(ZERO, sha256(EventLogWriter.utf16("1.0"))));
        byte[] pcr4 = extend(ZERO, sha256("Calling EFI Application from Boot Option".getBytes(StandardCharsets.US_ASCII)));
        pcr4 = extend(pcr4, sha256(SEPARATOR));
        pcr4 = extend(pcr4, sha256(app));
        assertThat(pcrs.value(4)).isEqualTo(pcr4);
        assertThat(pcrs.matches(4, pcr4)).isTrue();
        assertThat(pcrs.value(7)).isEqualTo(extend(ZERO, sha256(SEPARATOR)));
        assertThat(pcrs.extendedPcrs()).containsExactly(0, 4, 7);
        assertThat(pcrs.startupLocality()).isZero();
        assertThat(pcrs.hex(7)).isEqualTo(java.util.HexFormat.of().formatHex(extend(ZERO, sha256(SEPARATOR))));
    }

    @Test
    void pcrsTheLogDoesNotTouchKeepTheirInitialValues() throws Exception {
        ReplayedPcrs pcrs = EventLogParser.parse(EventLogWriter.sha256Only().build()).replay();
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xFF);
        for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
            assertThat(pcrs.value(pcr)).as("PCR %d", pcr).isEqualTo(pcr >= 17 && pcr <= 22 ? ones : ZERO);
            assertThat(pcrs.extended(pcr)).isFalse();
        }
        assertThatThrownBy(() -> pcrs.value(24)).isInstanceOf(IllegalArgumentException.class).hasMessage("PCR 24 is outside 0..23");
    }

    @Test
    void pcr17StartsAtAllOnesOnAStaticRtmBoot() throws Exception {
        byte[] d = sha256("drtm?".getBytes(StandardCharsets.US_ASCII));
        ReplayedPcrs pcrs = EventLogParser.parse(EventLogWriter.sha256Only().eventWithSha256(17, EventType.EV_POST_CODE, d, new byte[0]).build()).replay();
        byte[] ones = new byte[32];
        Arrays.fill(ones, (byte) 0xFF);
        assertThat(pcrs.value(17)).isEqualTo(extend(ones, d));
    }

    @Test
    void startupLocalityThreeSetsTheInitialValueOfPcr0() throws Exception {
        byte[] crtm = EventLogWriter.utf16("1.0");
        byte[] log = EventLogWriter.sha1AndSha256().startupLocality(3).event(0, EventType.EV_S_CRTM_VERSION, crtm).build();
        ReplayedPcrs pcrs = EventLogParser.parse(log).replay();
        byte[] initial = new byte[32];
        initial[31] = 3;
        assertThat(pcrs.value(0)).isEqualTo(extend(initial, sha256(crtm)));
        assertThat(pcrs.startupLocality()).isEqualTo(3);
    }

    @Test
    void startupLocalityAloneIsAnInitialValueNotAnExtend() throws Exception {
        ReplayedPcrs pcrs = EventLogParser.parse(EventLogWriter.sha256Only().startupLocality(3).build()).replay();
        byte[] initial = new byte[32];
        initial[31] = 3;
        assertThat(pcrs.value(0)).isEqualTo(initial);
        assertThat(pcrs.extended(0)).isFalse();
    }

    @Test
    void startupLocalityInAnotherPcr() throws Exception {
        byte[] log = EventLogWriter.sha256Only().noAction(1, EventLogWriter.startupLocalityData(3)).build();
        assertReplayFails(log, "event 1 (offset 65): StartupLocality event in PCR 1, expected PCR 0");
    }

    @Test
    void startupLocalityOfTheWrongSize() throws Exception {
        byte[] log = EventLogWriter.sha256Only().noAction(0, Arrays.copyOf(EventLogWriter.startupLocalityData(3), 18)).build();
        assertReplayFails(log, "event 1 (offset 65): StartupLocality event has 18 bytes of data, expected 17");
    }

    @Test
    void startupLocalityTwice() throws Exception {
        byte[] log = EventLogWriter.sha256Only().startupLocality(3).startupLocality(0).build();
        assertReplayFails(log, "event 2 (offset 132): StartupLocality event after an earlier StartupLocality or H-CRTM event");
    }

    @Test
    void startupLocalityAfterPcr0WasExtended() throws Exception {
        byte[] log = EventLogWriter.sha256Only().event(0, EventType.EV_POST_CODE, new byte[0]).startupLocality(3).build();
        assertReplayFails(log, "event 2 (offset 115): StartupLocality event after PCR 0 was extended");
    }

    @Test
    void startupLocalityThatIsNoLocality() throws Exception {
        byte[] log = EventLogWriter.sha256Only().startupLocality(9).build();
        assertReplayFails(log, "event 1 (offset 65): StartupLocality event says locality 9, expected 0..4");
    }

    @Test
    void anHcrtmEventStartsPcr0AtLocalityFour() throws Exception {
        byte[] hcrtm = "HCRTM".getBytes(StandardCharsets.US_ASCII);
        byte[] measured = sha256("the H-CRTM".getBytes(StandardCharsets.US_ASCII));
        byte[] initial = new byte[32];
        initial[31] = 4;
        ReplayedPcrs without = EventLogParser.parse(EventLogWriter.sha256Only()
                .eventWithSha256(0, EventType.EV_EFI_HCRTM_EVENT, measured, hcrtm).build()).replay();
        assertThat(without.value(0)).isEqualTo(extend(initial, measured));
        assertThat(without.startupLocality()).isEqualTo(4);
        ReplayedPcrs with = EventLogParser.parse(EventLogWriter.sha256Only().startupLocality(4)
                .eventWithSha256(0, EventType.EV_EFI_HCRTM_EVENT, measured, hcrtm).build()).replay();
        assertThat(with.value(0)).isEqualTo(extend(initial, measured));
    }

    @Test
    void anHcrtmEventWithAnotherStartupLocality() throws Exception {
        byte[] log = EventLogWriter.sha256Only().startupLocality(3).event(0, EventType.EV_EFI_HCRTM_EVENT, new byte[5]).build();
        assertReplayFails(log, "event 2 (offset 132): an H-CRTM event, but the StartupLocality event says 3, expected 4");
    }

    @Test
    void anHcrtmEventAfterPcr0WasExtended() throws Exception {
        byte[] log = EventLogWriter.sha256Only().event(0, EventType.EV_POST_CODE, new byte[0])
                .event(0, EventType.EV_EFI_HCRTM_EVENT, new byte[5]).build();
        assertReplayFails(log, "event 2 (offset 115): an H-CRTM event after PCR 0 was extended");
    }

    @Test
    void missingSha256Bank() throws Exception {
        byte[] log = new EventLogWriter(new Bank(EventLogWriter.SHA1, 20))
                .startupLocality(0)
                .event(0, EventType.EV_POST_CODE, new byte[0]).build();
        assertReplayFails(log, "event 2 (offset 120): no sha256 digest (the log's banks are sha1):"
                + " the log cannot be replayed for the sha256 bank");
    }

    @Test
    void aLogWithoutSha256ButOnlyNoActionEventsReplaysToInitialValues() throws Exception {
        ReplayedPcrs pcrs = EventLogParser.parse(new EventLogWriter(new Bank(EventLogWriter.SHA1, 20)).startupLocality(3).build()).replay();
        assertThat(pcrs.extendedPcrs()).isEmpty();
        assertThat(pcrs.startupLocality()).isEqualTo(3);
    }

    @Test
    void anUnknownBankBesideSha256DoesNotChangeTheReplay() throws Exception {
        byte[] d = sha256(new byte[] {1});
        ReplayedPcrs a = EventLogParser.parse(new EventLogWriter(new Bank(0x7777, 3), new Bank(EventLogWriter.SHA256, 32))
                .eventWithSha256(9, EventType.EV_EVENT_TAG, d, new byte[0]).build()).replay();
        ReplayedPcrs b = EventLogParser.parse(EventLogWriter.sha256Only().eventWithSha256(9, EventType.EV_EVENT_TAG, d, new byte[0]).build()).replay();
        assertThat(a.value(9)).isEqualTo(b.value(9)).isEqualTo(extend(ZERO, d));
    }

    private static void assertReplayFails(byte[] log, String message) throws Exception {
        EventLog parsed = EventLogParser.parse(log);
        assertThatThrownBy(parsed::replay).isInstanceOf(EventLogFormatException.class).hasMessage(message);
    }
}
