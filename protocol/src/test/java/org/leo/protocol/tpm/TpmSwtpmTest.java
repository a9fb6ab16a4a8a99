package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Tpm} against a real swtpm: key stability, PCR arithmetic, resets, leaks, transport failures. */
@Tag("system")
class TpmSwtpmTest {
    private static final byte[] NONCE = HexFormat.of().parseHex("0011223344556677");

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
    void attestationKeyIsTheSameAfterReopenAndAfterATpmRestart() throws Exception {
        AttestationKey first;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            first = tpm.attestationKey();
            assertThat(tpm.attestationKey()).isEqualTo(first);
        }
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.attestationKey()).isEqualTo(first);
        }
        swtpm.restart();
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.attestationKey()).isEqualTo(first);
        }
        assertThat(first.publicKey()).isInstanceOf(ECPublicKey.class);
        assertThat(((ECPublicKey) first.publicKey()).getParams().getCurve().getField().getFieldSize()).isEqualTo(256);
        byte[] name = first.name();
        assertThat(name).hasSize(34).startsWith(0x00, 0x0B);
        assertThat(name).endsWith(MessageDigest.getInstance("SHA-256").digest(first.publicArea()));
        assertThat(first.pem()).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
    }

    @Test
    void pcrExtendIsSha256OfOldValueAndDigestAndResetGivesZeros() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            tpm.pcrReset(23);
            assertThat(tpm.pcrRead(23)).isEqualTo(new byte[32]);
            byte[] digest = MessageDigest.getInstance("SHA-256").digest("event log head".getBytes());
            byte[] before = tpm.pcrRead(16);
            tpm.pcrExtend(16, digest);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(before);
            sha.update(digest);
            assertThat(tpm.pcrRead(16)).isEqualTo(sha.digest());

            tpm.pcrExtend(23, digest);
            assertThat(tpm.pcrRead(23)).isNotEqualTo(new byte[32]);
            tpm.pcrReset(23);
            assertThat(tpm.pcrRead(23)).isEqualTo(new byte[32]);
        }
    }

    @Test
    void pcrResetOfAPcrThatLocalityZeroCannotResetIsATpmError() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThatThrownBy(() -> tpm.pcrReset(0)).isInstanceOf(TpmException.class)
                    .hasMessageStartingWith("TPM2_PCR_Reset(0) failed at " + swtpm.endpoint() + ": ");
            // a TPM error code is not a transport failure: the connection still works
            assertThat(tpm.pcrRead(0)).hasSize(32);
        }
    }

    @Test
    void quoteVerifiesAndResetCountShowsATpmReset() throws Exception {
        AttestationKey ak;
        QuoteVerdict before;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            ak = tpm.attestationKey();
            tpm.pcrExtend(23, new byte[32]);
            TpmQuote quote = tpm.quote(NONCE, 23, 16);
            assertThat(quote.pcrs()).containsExactly(16, 23);
            assertThat(quote.pcrValues().get(0)).isEqualTo(tpm.pcrRead(16));
            assertThat(quote.pcrValues().get(1)).isEqualTo(tpm.pcrRead(23));
            before = QuoteVerifier.verify(ak.publicKey(), quote,
                    QuoteExpectation.of(NONCE, 16, 23).withPcrValue(23, tpm.pcrRead(23)));
            assertThat(before.failures()).isEmpty();
            assertThat(before.ok()).isTrue();
        }
        swtpm.restart();
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            QuoteVerdict after = QuoteVerifier.verify(ak.publicKey(), tpm.quote(NONCE, 23), QuoteExpectation.of(NONCE, 23));
            assertThat(after.ok()).as(after.summary()).isTrue();
            assertThat(after.clockInfo().orElseThrow().resetCount())
                    .isEqualTo(before.clockInfo().orElseThrow().resetCount() + 1);
            assertThat(after.firmwareVersion()).isEqualTo(before.firmwareVersion());
        }
    }

    @Test
    void nothingStaysLoadedInTheTpmsThreeTransientSlots(@TempDir Path work) throws Exception {
        assumeTrue(SwtpmProcess.onPath("tpm2_getcap"), "tpm2-tools are not on the PATH");
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            for (int i = 0; i < 5; i++) { // more than three: a leak would fail with TPM_RC_OBJECT_MEMORY
                tpm.attestationKey();
                tpm.quote(NONCE, 16);
            }
        }
        Tpm2Tools tools = new Tpm2Tools(swtpm.tcti(), work);
        assertThat(tools.ok("tpm2_getcap", "handles-transient").trim()).isEmpty();
        assertThat(tools.ok("tpm2_getcap", "handles-loaded-session").trim()).isEmpty();
    }

    @Test
    void aTpmThatGoesAwayIsAClearTpmExceptionAndTheConnectionStaysBroken() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            tpm.pcrRead(16);
            swtpm.stop();
            assertThatThrownBy(() -> tpm.pcrRead(16)).isInstanceOf(TpmException.class)
                    .hasMessageMatching("TPM2_PCR_Read\\(16\\) failed: (the TPM at swtpm:127\\.0\\.0\\.1:\\d+ closed the connection"
                            + " after 0 of 10 response bytes|lost the connection to the TPM at swtpm:127\\.0\\.0\\.1:\\d+ after 0 of 10"
                            + " response bytes: .*|cannot send to the TPM at swtpm:127\\.0\\.0\\.1:\\d+: .*)");
            assertThatThrownBy(() -> tpm.quote(NONCE, 16)).isInstanceOf(TpmException.class)
                    .hasMessageStartingWith("TPM2_Quote[16] not sent: the connection to the TPM at " + swtpm.endpoint()
                            + " failed earlier (");
        }
    }

    @Test
    void concurrentCallersShareOneConnectionWithoutInterleaving() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            AttestationKey ak = tpm.attestationKey();
            List<Callable<QuoteVerdict>> callers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                byte[] nonce = {(byte) t, 1, 2, 3};
                callers.add(() -> {
                    QuoteVerdict last = null;
                    for (int i = 0; i < 5; i++) {
                        tpm.pcrExtend(16, new byte[32]);
                        last = QuoteVerifier.verify(ak.publicKey(), tpm.quote(nonce, 16, 23), QuoteExpectation.of(nonce, 16, 23));
                        if (!last.ok()) {
                            return last;
                        }
                    }
                    return last;
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                for (Future<QuoteVerdict> f : pool.invokeAll(callers)) {
                    assertThat(f.get().summary()).isEqualTo("ok");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void randomReturnsTheAskedNumberOfBytes() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.random(0)).isEmpty();
            assertThat(tpm.random(100)).hasSize(100);
            assertThatThrownBy(() -> tpm.random(Tpm.MAX_RANDOM_BYTES + 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("random: expected 0..1024 bytes, got 1025");
        }
    }

    @Test
    void argumentsAreCheckedBeforeAnythingIsSent() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThatThrownBy(() -> tpm.quote(new byte[65], 16)).hasMessage("nonce: expected at most 64 bytes, got 65");
            assertThatThrownBy(() -> tpm.quote(NONCE, 16, 16)).hasMessage("PCR 16 is listed twice");
            assertThatThrownBy(() -> tpm.quote(NONCE, 24)).hasMessage("PCR 24 is outside 0..23");
            assertThatThrownBy(() -> tpm.quote(NONCE)).hasMessage("a quote needs at least one PCR");
            assertThatThrownBy(() -> tpm.pcrExtend(16, new byte[20])).hasMessage("extend digest: expected 32 bytes, got 20");
            assertThat(tpm.pcrRead(16)).hasSize(32);
        }
    }
}
