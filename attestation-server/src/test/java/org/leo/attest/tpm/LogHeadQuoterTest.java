package org.leo.attest.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.protocol.tpm.QuoteFailure;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmQuote;

/** The Pi's TPM (swtpm) signs the event log head; a remote verifier checks it with JCA only. */
@Tag("system")
class LogHeadQuoterTest {
    @TempDir
    Path tmp;

    @Test
    void aQuoteBindsTheLogHeadAndTheVerifiersNonce() throws Exception {
        try (SwtpmProcess swtpm = SwtpmProcess.start(); Tpm tpm = Tpm.open(swtpm.endpoint());
             AttestationLog log = AttestationLog.open(tmp.resolve("a.db"))) {
            for (int i = 0; i < 5; i++) {
                log.appendDurably(new LogEntry(Instant.now(), "52:54:00:77:00:10", LogEntry.Kind.VERDICT, "info", "verdict.clean", "v" + i, ""));
            }
            LogHeadQuoter q = new LogHeadQuoter(tpm, log);
            byte[] nonce = "remote-verifier-nonce-0123456789".getBytes();
            HeadQuote hq = q.quote(nonce);
            assertThat(hq.headSeq()).isEqualTo(5);
            assertThat(hq.headHash()).isEqualTo(log.head().orElseThrow().hash());
            assertThat(tpm.pcrRead(LogHeadQuoter.PCR)).isEqualTo(LogHeadQuoter.expectedPcr(hq.headHash()));
            assertThat(LogHeadQuoter.verify(q.attestationKey().publicKey(), hq, nonce).ok()).isTrue();

            // A verifier with another nonce, or told another head, refuses it.
            assertThat(LogHeadQuoter.verify(q.attestationKey().publicKey(), hq, "another-nonce-000000000000000000".getBytes())
                    .has(QuoteFailure.Code.WRONG_NONCE)).isTrue();
            HeadQuote lying = new HeadQuote(4, log.since(3, 1).get(0).hash(), hq.quote(), hq.akPem());
            assertThat(LogHeadQuoter.verify(q.attestationKey().publicKey(), lying, nonce).has(QuoteFailure.Code.PCR_VALUE_MISMATCH)).isTrue();

            // The head moves on; the next quote follows it.
            log.appendDurably(new LogEntry(Instant.now(), "52:54:00:77:00:10", LogEntry.Kind.FINDING, "critical", "hardware.usb.added", "usb", ""));
            HeadQuote next = q.quote(nonce);
            assertThat(next.headSeq()).isEqualTo(6);
            assertThat(LogHeadQuoter.verify(q.attestationKey().publicKey(), next, nonce).ok()).isTrue();
            TpmQuote old = hq.quote();
            assertThat(LogHeadQuoter.verify(q.attestationKey().publicKey(), new HeadQuote(6, next.headHash(), old, hq.akPem()), nonce).ok()).isFalse();
        }
    }
}
