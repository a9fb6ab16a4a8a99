package org.leo.pxe.dhcp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Jazzer target for the decoder. In a normal test run it replays the seeds in
 * {@code DhcpDecoderFuzzTestInputs/decode/} (real captures); with {@code JAZZER_FUZZ=1} it fuzzes.
 * Invariants: only {@link DhcpFormatException} escapes; an accepted packet re-encodes to a packet
 * that decodes to the same message (up to the zero padding, which cannot shrink a packet that grew
 * because overloaded options moved into the option area) and whose encoding is a fixpoint;
 * classification and boot file choice never throw.
 */
class DhcpDecoderFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void decode(byte[] input) {
        DhcpMessage m;
        try {
            m = DhcpCodecUtil.decode(input);
        } catch (DhcpFormatException e) {
            return;
        }
        byte[] again = DhcpCodecUtil.encode(m);
        DhcpMessage m2 = DhcpCodecUtil.decode(again);
        assertThat(DhcpCodecUtil.encode(m2)).isEqualTo(again);
        assertThat(unpadded(m2)).isEqualTo(unpadded(m));
        NetbootClass c = NetbootClassifier.classify(m);
        BootFilePolicy.select(c, DhcpCaptureGoldenTest.CONFIG);
    }

    static DhcpMessage unpadded(DhcpMessage m) {
        return m.toBuilder().paddedLength(0).build();
    }
}
