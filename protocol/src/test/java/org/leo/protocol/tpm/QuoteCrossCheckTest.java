package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.tpm.QuoteFailure.Code;

/**
 * Our quotes against tpm2-tools, both ways: a quote made by {@link Tpm} passes
 * {@code tpm2_checkquote}; a quote made by {@code tpm2_quote} (ECC and RSA attestation keys)
 * passes {@link QuoteVerifier}. With {@code -Dleo.tpm.regenerateGolden=true} the quotes are also
 * written to {@code src/test/resources/tpm/golden/} for the unit tests.
 */
@Tag("system")
class QuoteCrossCheckTest {
    private static final String NONCE_HEX = "5eed0f1e0c0ffee0aabbccddeeff0011";
    private static final byte[] NONCE = HexFormat.of().parseHex(NONCE_HEX);
    private static final String AK_ATTRIBUTES = "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|restricted|sign";

    private SwtpmProcess swtpm;
    @TempDir
    Path work;

    @BeforeEach
    void startSwtpm() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm and swtpm_ioctl are not on the PATH (apt-get install swtpm swtpm-tools)");
        assumeTrue(Tpm2Tools.installed(), "tpm2_quote and tpm2_checkquote are not on the PATH (apt-get install tpm2-tools)");
        swtpm = SwtpmProcess.start();
    }

    @AfterEach
    void stopSwtpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void ourQuoteVerifiesWithTpm2Checkquote() throws Exception {
        // tpm2_checkquote needs no TPM: it runs with TPM2TOOLS_TCTI unset while we hold swtpm's one connection
        Tpm2Tools offline = new Tpm2Tools(null, work);
        byte[] pcr16;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            AttestationKey ak = tpm.attestationKey();
            tpm.pcrExtend(16, Tpm.sha256("kernel".getBytes(StandardCharsets.UTF_8)));
            tpm.pcrExtend(23, Tpm.sha256("event log head".getBytes(StandardCharsets.UTF_8)));
            TpmQuote quote = tpm.quote(NONCE, 16, 23);
            writeQuote(ak.pem(), quote);

            String out = offline.ok("tpm2_checkquote", "-u", "ak.pem", "-m", "quote.msg", "-s", "quote.sig",
                    "-f", "pcrs.bin", "-l", "sha256:16,23", "-q", NONCE_HEX, "-g", "sha256");
            assertThat(out).contains("sha256:").contains("16").contains("23");

            Tpm2Tools.Result wrongNonce = offline.run("tpm2_checkquote", "-u", "ak.pem", "-m", "quote.msg", "-s",
                    "quote.sig", "-f", "pcrs.bin", "-l", "sha256:16,23", "-q", "00" + NONCE_HEX.substring(2), "-g", "sha256");
            assertThat(wrongNonce.exitCode()).as(wrongNonce.output()).isNotZero();

            if (Boolean.getBoolean("leo.tpm.regenerateGolden")) {
                new GoldenQuote("EC", ak.publicKey().getEncoded(), NONCE, quote)
                        .store("ecc-leo", "TPM2_Quote by org.leo.protocol.tpm.Tpm on swtpm (ECC P-256 AK), PCRs 16 and 23 extended");
            }
            pcr16 = tpm.pcrRead(16);
        }
        // with our connection closed, tpm2_pcrread sees the PCR value we read
        new Tpm2Tools(swtpm.tcti(), work).ok("tpm2_pcrread", "sha256:16", "-o", "pcr16.bin");
        assertThat(Files.readAllBytes(work.resolve("pcr16.bin"))).isEqualTo(pcr16);
    }

    @Test
    void tpm2QuoteWithAnEccKeyIsAcceptedByQuoteVerifier() throws Exception {
        TpmQuote quote = tpm2Quote("ecc256:ecdsa-sha256:null");
        PublicKey ak = readPem("ak.pem", "EC");
        assertThat(ak).isInstanceOf(ECPublicKey.class);
        QuoteVerdict verdict = QuoteVerifier.verify(ak, quote, QuoteExpectation.of(NONCE, 16, 23));
        assertThat(verdict.failures()).isEmpty();
        assertThat(verdict.ok()).isTrue();

        QuoteVerdict replay = QuoteVerifier.verify(ak, quote, QuoteExpectation.of(new byte[16], 16, 23));
        assertThat(replay.failures()).extracting(QuoteFailure::code).containsExactly(Code.WRONG_NONCE);
    }

    @Test
    void tpm2QuoteWithAnRsaKeyIsAcceptedByQuoteVerifier() throws Exception {
        TpmQuote quote = tpm2Quote("rsa2048:rsassa-sha256:null");
        PublicKey ak = readPem("ak.pem", "RSA");
        assertThat(ak).isInstanceOf(RSAPublicKey.class);
        QuoteVerdict verdict = QuoteVerifier.verify(ak, quote, QuoteExpectation.of(NONCE, 16, 23));
        assertThat(verdict.failures()).isEmpty();
        if (Boolean.getBoolean("leo.tpm.regenerateGolden")) {
            new GoldenQuote("RSA", ak.getEncoded(), NONCE, quote)
                    .store("rsa-tpm2-tools", "tpm2_quote " + quote.pcrs().length + " PCRs (sha256:16,23) with an RSA-2048 RSASSA AK on swtpm");
        }
    }

    /** createprimary, create, load, readpublic -f pem, quote: flushing transient objects after each (no resource manager). */
    private TpmQuote tpm2Quote(String keySpec) throws Exception {
        Tpm2Tools tools = new Tpm2Tools(swtpm.tcti(), work);
        tools.ok("tpm2_createprimary", "-C", "o", "-G", "ecc", "-c", "primary.ctx");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_create", "-C", "primary.ctx", "-G", keySpec, "-a", AK_ATTRIBUTES, "-u", "ak.pub", "-r", "ak.priv");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_load", "-C", "primary.ctx", "-u", "ak.pub", "-r", "ak.priv", "-c", "ak.ctx");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_readpublic", "-c", "ak.ctx", "-f", "pem", "-o", "ak.pem");
        tools.ok("tpm2_flushcontext", "-t");
        tools.ok("tpm2_pcrextend", "23:sha256=" + "ab".repeat(32));
        tools.ok("tpm2_quote", "-c", "ak.ctx", "-l", "sha256:16,23", "-q", NONCE_HEX, "-m", "quote.msg", "-s", "quote.sig",
                "-o", "pcrs.bin", "-F", "values", "-g", "sha256");
        tools.ok("tpm2_flushcontext", "-t");
        byte[] pcrs = Files.readAllBytes(work.resolve("pcrs.bin"));
        assertThat(pcrs).hasSize(64);
        List<byte[]> values = new ArrayList<>();
        values.add(Arrays.copyOfRange(pcrs, 0, 32));
        values.add(Arrays.copyOfRange(pcrs, 32, 64));
        return new TpmQuote(Files.readAllBytes(work.resolve("quote.msg")), Files.readAllBytes(work.resolve("quote.sig")),
                new int[] {16, 23}, values);
    }

    private void writeQuote(String pem, TpmQuote quote) throws Exception {
        Files.writeString(work.resolve("ak.pem"), pem, StandardCharsets.US_ASCII);
        Files.write(work.resolve("quote.msg"), quote.attest());
        Files.write(work.resolve("quote.sig"), quote.signature());
        Files.write(work.resolve("pcrs.bin"), quote.pcrValuesConcatenated());
    }

    private PublicKey readPem(String file, String algorithm) throws Exception {
        String pem = Files.readString(work.resolve(file), StandardCharsets.US_ASCII);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(body)));
    }
}
