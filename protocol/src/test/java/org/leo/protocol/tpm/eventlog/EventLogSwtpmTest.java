package org.leo.protocol.tpm.eventlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.protocol.tpm.AttestationKey;
import org.leo.protocol.tpm.QuoteExpectation;
import org.leo.protocol.tpm.QuoteVerdict;
import org.leo.protocol.tpm.QuoteVerifier;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmQuote;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Bank;
import org.leo.protocol.tpm.eventlog.EventLogWriter.Digest;

/**
 * Our replay against a real TPM (swtpm): the initial PCR values we assume are what a TPM reports
 * after TPM2_Startup, and extending the resettable PCRs 16 and 23 with a crafted log's sha256
 * digests gives what our replay computes, in a quote that verifies against those values.
 */
@Tag("system")
class EventLogSwtpmTest {
    private static final byte[] NONCE = "event log nonce".getBytes(StandardCharsets.US_ASCII);

    private SwtpmProcess swtpm;

    @BeforeEach
    void startSwtpm() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm and swtpm_ioctl are not on the PATH (apt-get install swtpm swtpm-tools)");
        swtpm = SwtpmProcess.start();
    }

    @AfterEach
    void stopSwtpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void initialValuesAreWhatAFreshTpmReports() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            for (int pcr = 0; pcr < EventLog.PCR_COUNT; pcr++) {
                assertThat(tpm.pcrRead(pcr)).as("PCR %d", pcr).isEqualTo(ReplayedPcrs.initial(pcr));
            }
        }
    }

    @Test
    void extendingPcr16And23WithTheLogsDigestsGivesOurReplayAndAQuoteThatVerifies() throws Exception {
        byte[] log = new EventLogWriter(new Bank(0x7777, 5), new Bank(EventLogWriter.SHA256, 32))
                .event(16, EventType.EV_IPL, "first".getBytes(StandardCharsets.US_ASCII), EventLogWriter.utf16(".linux"))
                // an EV_NO_ACTION event with non-zero digests: must not be extended
                .rawEvent(16, EventType.EV_NO_ACTION.code(), List.of(new Digest(0x7777, new byte[5]),
                        new Digest(EventLogWriter.SHA256, EventLogWriter.sha256(new byte[] {9}))), 3, new byte[3])
                .event(23, EventType.EV_EVENT_TAG, "initrd".getBytes(StandardCharsets.US_ASCII),
                        EventLogWriter.taggedEvent(TaggedEvent.LINUX_INITRD, EventLogWriter.ascii("Linux initrd")))
                .event(16, EventType.valueOf(0x80000077), "unknown type".getBytes(StandardCharsets.US_ASCII), new byte[0])
                .event(16, EventType.EV_SEPARATOR, new byte[4])
                .build();
        EventLog parsed = EventLogParser.parse(log);
        ReplayedPcrs replay = parsed.replay();
        assertThat(replay.extendedPcrs()).containsExactly(16, 23);

        AttestationKey ak;
        TpmQuote quote;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            ak = tpm.attestationKey();
            tpm.pcrReset(16);
            tpm.pcrReset(23);
            for (LogEvent e : parsed.events()) {
                if (!e.type().equals(EventType.EV_NO_ACTION)) {
                    tpm.pcrExtend(e.pcr(), e.sha256().orElseThrow());
                }
            }
            assertThat(tpm.pcrRead(16)).isEqualTo(replay.value(16));
            assertThat(tpm.pcrRead(23)).isEqualTo(replay.value(23));
            quote = tpm.quote(NONCE, 16, 23);
        }
        QuoteVerdict verdict = QuoteVerifier.verify(ak.publicKey(), quote, QuoteExpectation.of(NONCE, 16, 23)
                .withPcrValue(16, replay.value(16)).withPcrValue(23, replay.value(23)));
        assertThat(verdict.ok()).as(verdict.summary()).isTrue();
    }
}
