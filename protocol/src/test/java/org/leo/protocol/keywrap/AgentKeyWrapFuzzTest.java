package org.leo.protocol.keywrap;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.HexFormat;

/**
 * Fuzzes {@link AgentKeyWrap#open}, the agent's parser of the sealed key the owner's Pi sends: it
 * throws nothing but {@link KeyWrapException} (its sentence starting "sealed key"), and the only
 * input that opens is the genuine known answer. Seeds (resources ...AgentKeyWrapFuzzTestInputs/open/):
 * the known answer, and it with version 2, the point at infinity, a point off the curve, a
 * flipped tag, cut short.
 */
class AgentKeyWrapFuzzTest {
    private static final byte[] CONTEXT = KnownAnswer.CONTEXT.encode();

    @FuzzTest(maxDuration = "30s")
    void open(byte[] input) {
        byte[] secret;
        try {
            secret = AgentKeyWrap.open(TestKeys.AGENT.getPrivate(), input, CONTEXT);
        } catch (KeyWrapException e) {
            assertThat(e.getMessage()).startsWith("sealed key");
            return;
        }
        assertThat(HexFormat.of().formatHex(input)).isEqualTo(KnownAnswer.SEALED);
        assertThat(secret).isEqualTo(KnownAnswer.SECRET);
    }
}
