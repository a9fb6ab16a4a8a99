package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** {@link TpmtSignatureParser} on real ECDSA and RSASSA signatures and named malformed variants. */
class TpmtSignatureParserTest {
    private static final byte[] ECDSA = GoldenQuote.load("ecc-leo").quote().signature();
    private static final byte[] RSASSA = GoldenQuote.load("rsa-tpm2-tools").quote().signature();

    private static int u16(byte[] b, int at) {
        return ((b[at] & 0xFF) << 8) | (b[at + 1] & 0xFF);
    }

    @Test
    void aRealEcdsaSignatureParses() throws Exception {
        TpmtSignature.Ecdsa sig = (TpmtSignature.Ecdsa) TpmtSignatureParser.parse(ECDSA);
        assertThat(sig.hashAlg()).isEqualTo(0x000B);
        assertThat(sig.r()).hasSize(u16(ECDSA, 4));
        assertThat(sig.s()).hasSize(u16(ECDSA, 6 + sig.r().length));
    }

    @Test
    void aRealRsassaSignatureParses() throws Exception {
        TpmtSignature.Rsassa sig = (TpmtSignature.Rsassa) TpmtSignatureParser.parse(RSASSA);
        assertThat(sig.hashAlg()).isEqualTo(0x000B);
        assertThat(sig.sig()).hasSize(256);
    }

    @Test
    void truncatedEcdsaAtEveryByteNamesTheField() {
        int rLen = u16(ECDSA, 4);
        int sLen = u16(ECDSA, 6 + rLen);
        Object[][] fields = {{"sigAlg", 2}, {"hash", 2}, {"signatureR.size", 2}, {"signatureR", rLen},
                {"signatureS.size", 2}, {"signatureS", sLen}};
        int offset = 0;
        for (Object[] f : fields) {
            int length = (int) f[1];
            for (int got = 0; got < length; got++) {
                byte[] cut = Arrays.copyOf(ECDSA, offset + got);
                assertThatThrownBy(() -> TpmtSignatureParser.parse(cut)).as("cut at %d", cut.length)
                        .isInstanceOf(TpmFormatException.class)
                        .hasMessage("TPMT_SIGNATURE truncated in " + f[0] + ": expected " + length + " bytes, got " + got);
            }
            offset += length;
        }
        assertThat(offset).isEqualTo(ECDSA.length);
    }

    @Test
    void truncatedRsassaNamesTheField() {
        assertThatThrownBy(() -> TpmtSignatureParser.parse(Arrays.copyOf(RSASSA, 100)))
                .hasMessage("TPMT_SIGNATURE truncated in sig: expected 256 bytes, got 94");
    }

    @Test
    void oversizedEccParameter() {
        byte[] b = ECDSA.clone();
        b[4] = 0;
        b[5] = 67;
        assertThatThrownBy(() -> TpmtSignatureParser.parse(b))
                .hasMessage("TPMT_SIGNATURE signatureR has size 67, more than the 66 it can hold");
    }

    @Test
    void oversizedRsaSignature() {
        byte[] b = RSASSA.clone();
        b[4] = 0x02;
        b[5] = 0x01;
        assertThatThrownBy(() -> TpmtSignatureParser.parse(b))
                .hasMessage("TPMT_SIGNATURE sig has size 513, more than the 512 it can hold");
    }

    @Test
    void anUnsupportedSchemeIsNamed() {
        byte[] b = RSASSA.clone();
        b[1] = 0x16;
        assertThatThrownBy(() -> TpmtSignatureParser.parse(b))
                .hasMessage("TPMT_SIGNATURE sigAlg is rsapss, expected ecdsa (0x0018) or rsassa (0x0014)");
        assertThatThrownBy(() -> TpmtSignatureParser.parse(new byte[] {0x12, 0x34}))
                .hasMessage("TPMT_SIGNATURE sigAlg is alg 0x1234, expected ecdsa (0x0018) or rsassa (0x0014)");
    }

    @Test
    void trailingBytesAndTheCap() {
        assertThatThrownBy(() -> TpmtSignatureParser.parse(Arrays.copyOf(ECDSA, ECDSA.length + 1)))
                .hasMessage("TPMT_SIGNATURE has 1 trailing bytes after signatureS");
        assertThatThrownBy(() -> TpmtSignatureParser.parse(new byte[1025]))
                .hasMessage("TPMT_SIGNATURE is 1025 bytes, more than the 1024 accepted");
    }
}
