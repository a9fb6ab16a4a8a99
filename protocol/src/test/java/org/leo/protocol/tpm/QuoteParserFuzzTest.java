package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes the parsers of the bytes an HPC sends with its quote, and the verifier over them. Seeds
 * (resources ...QuoteParserFuzzTestInputs/) are real quotes from swtpm: one made by {@link Tpm}
 * (ECDSA) and one by tpm2_quote (RSASSA).
 */
class QuoteParserFuzzTest {
    private static final GoldenQuote ECC = GoldenQuote.load("ecc-leo");

    @FuzzTest(maxDuration = "30s")
    void parseAttest(byte[] input) {
        TpmsAttest attest;
        try {
            attest = TpmsAttestParser.parse(input);
        } catch (TpmFormatException e) {
            assertThat(e.getMessage()).startsWith("TPMS_ATTEST ");
            return;
        }
        assertThat(input.length).isLessThanOrEqualTo(TpmsAttestParser.MAX_ATTEST_BYTES);
        assertThat(attest.extraData().length).isLessThanOrEqualTo(TpmsAttestParser.MAX_EXTRA_DATA_BYTES);
        attest.quote().ifPresent(q -> {
            assertThat(q.pcrSelect().size()).isLessThanOrEqualTo(TpmsAttestParser.MAX_PCR_SELECTIONS);
            q.pcrSelect().forEach(s -> assertThat(Arrays.stream(s.pcrs()).allMatch(p -> p >= 0 && p < Tpm.PCR_COUNT)).isTrue());
        });
    }

    @FuzzTest(maxDuration = "30s")
    void parseSignature(byte[] input) {
        try {
            TpmtSignature sig = TpmtSignatureParser.parse(input);
            assertThat(sig).isNotNull();
        } catch (TpmFormatException e) {
            assertThat(e.getMessage()).startsWith("TPMT_SIGNATURE ");
        }
    }

    /** The input as attest and as signature of an otherwise genuine quote: a verdict, never an exception. */
    @FuzzTest(maxDuration = "30s")
    void verify(byte[] input) {
        TpmQuote asAttest = new TpmQuote(input, ECC.quote().signature(), ECC.quote().pcrs(), ECC.quote().pcrValues());
        QuoteVerdict a = QuoteVerifier.verify(ECC.publicKey(), asAttest, ECC.expectation());
        assertThat(a.ok()).isEqualTo(Arrays.equals(input, ECC.quote().attest()));
        assertThat(a.failures()).allMatch(f -> !f.message().isEmpty());

        TpmQuote asSignature = new TpmQuote(ECC.quote().attest(), input, ECC.quote().pcrs(), ECC.quote().pcrValues());
        QuoteVerdict s = QuoteVerifier.verify(ECC.publicKey(), asSignature, ECC.expectation());
        assertThat(s.failures()).allMatch(f -> f.code() == QuoteFailure.Code.MALFORMED || f.code() == QuoteFailure.Code.BAD_SIGNATURE);
    }
}
