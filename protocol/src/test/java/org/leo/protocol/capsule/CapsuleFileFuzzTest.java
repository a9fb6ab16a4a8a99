package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes what a capsule reader takes from strangers: the file parser, the header decoder, and the
 * whole open path with a key. Each refuses with a {@link CapsuleProblem} and never throws anything
 * else; what parses re-encodes to the same bytes; and nothing but the golden capsule opens with the
 * golden key (no other input carries its owner's signature). Seeds
 * ({@code CapsuleFileFuzzTestInputs/}) are the golden capsule of {@link CapsuleGoldenTest}.
 */
class CapsuleFileFuzzTest {
    private static final CapsuleSealer.Sealed GOLDEN = CapsuleGoldenTest.golden();
    private static final byte[] GOLDEN_FILE = CapsuleFile.encode(GOLDEN.capsule());
    /** Small, so that the fuzzer reaches the payload checks. */
    private static final CapsuleLimits LIMITS = new CapsuleLimits(1 << 16);

    @FuzzTest(maxDuration = "30s")
    void parseFile(byte[] input) {
        Capsule c;
        try {
            c = CapsuleFile.parse(input, LIMITS);
        } catch (CapsuleException e) {
            assertThat(e.getMessage()).startsWith(e.problem().code() + ": ");
            return;
        }
        assertThat(CapsuleFile.encode(c)).isEqualTo(input);
        assertThat((long) c.payloadLength()).isLessThanOrEqualTo(LIMITS.maxPayloadBytes());
        assertThat(c.header().label().length()).isLessThanOrEqualTo(CapsuleHeader.MAX_LABEL_CHARS);
    }

    @FuzzTest(maxDuration = "30s")
    void decodeHeader(byte[] input) {
        CapsuleHeader h;
        try {
            h = CapsuleHeaderCodec.decode(input);
        } catch (CapsuleException e) {
            assertThat(e.problem()).isIn(CapsuleProblem.MALFORMED_HEADER, CapsuleProblem.UNSUPPORTED_VERSION, CapsuleProblem.NOT_CANONICAL);
            return;
        }
        assertThat(CapsuleHeaderCodec.encode(h)).isEqualTo(input);
        assertThat(h.signature()).hasSize(CapsuleHeader.SIGNATURE_BYTES);
        CapsuleOpener.signatureValid(h);
    }

    @FuzzTest(maxDuration = "30s")
    void openFile(byte[] input) {
        byte[] plaintext;
        try {
            plaintext = CapsuleOpener.open(CapsuleFile.parse(input, LIMITS), GOLDEN.aesKey());
        } catch (CapsuleException e) {
            assertThat(Arrays.equals(input, GOLDEN_FILE)).isFalse();
            return;
        }
        assertThat(input).isEqualTo(GOLDEN_FILE);
        assertThat(plaintext).isEqualTo(CapsuleGoldenTest.PLAINTEXT);
    }
}
