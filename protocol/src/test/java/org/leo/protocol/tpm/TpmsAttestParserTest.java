package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TpmsAttestParser} on a real quote (golden capture) and named malformed variants of it. */
class TpmsAttestParserTest {
    private static final GoldenQuote GOLDEN = GoldenQuote.load("ecc-leo");
    private static final byte[] ATTEST = GOLDEN.quote().attest();

    /** The fields of the golden attest in wire order with their lengths (SHA-256 signer name, 16-byte nonce, PCRs 16 and 23). */
    private static final List<Field> FIELDS = List.of(
            new Field("magic", 4), new Field("type", 2),
            new Field("qualifiedSigner.size", 2), new Field("qualifiedSigner", 34),
            new Field("extraData.size", 2), new Field("extraData", 16),
            new Field("clockInfo.clock", 8), new Field("clockInfo.resetCount", 4), new Field("clockInfo.restartCount", 4),
            new Field("clockInfo.safe", 1), new Field("firmwareVersion", 8),
            new Field("pcrSelect.count", 4), new Field("pcrSelect[0].hash", 2), new Field("pcrSelect[0].sizeofSelect", 1),
            new Field("pcrSelect[0].pcrSelect", 3), new Field("pcrDigest.size", 2), new Field("pcrDigest", 32));

    private record Field(String name, int length) {
    }

    private static int offsetOf(String name) {
        int offset = 0;
        for (Field f : FIELDS) {
            if (f.name.equals(name)) {
                return offset;
            }
            offset += f.length;
        }
        throw new IllegalArgumentException(name);
    }

    @Test
    void aRealQuoteParses() throws Exception {
        TpmsAttest attest = TpmsAttestParser.parse(ATTEST);
        assertThat(attest.magic()).isEqualTo(0xFF544347L);
        assertThat(attest.type()).isEqualTo(0x8018);
        assertThat(attest.qualifiedSigner()).hasSize(34).startsWith(0x00, 0x0B);
        assertThat(attest.extraData()).isEqualTo(GOLDEN.nonce());
        assertThat(attest.clockInfo().safe()).isTrue();
        assertThat(attest.clockInfo().resetCount()).isGreaterThanOrEqualTo(0);
        TpmsQuoteInfo info = attest.quote().orElseThrow();
        assertThat(info.pcrSelect()).containsExactly(new PcrSelection(PcrSelection.SHA256, new int[] {16, 23}));
        assertThat(info.pcrDigest()).isEqualTo(Tpm.sha256(GOLDEN.quote().pcrValuesConcatenated()));
    }

    @Test
    void theFieldTableCoversTheWholeAttest() {
        assertThat(FIELDS.stream().mapToInt(Field::length).sum()).isEqualTo(ATTEST.length);
    }

    @Test
    void truncatedAtEveryByteNamesTheFieldAndTheShortfall() {
        int offset = 0;
        for (Field f : FIELDS) {
            for (int got = 0; got < f.length; got++) {
                byte[] cut = Arrays.copyOf(ATTEST, offset + got);
                assertThatThrownBy(() -> TpmsAttestParser.parse(cut)).as("cut at %d", cut.length)
                        .isInstanceOf(TpmFormatException.class)
                        .hasMessage("TPMS_ATTEST truncated in " + f.name + ": expected " + f.length + " bytes, got " + got);
            }
            offset += f.length;
        }
    }

    private static byte[] with(String field, int... bytes) {
        byte[] b = ATTEST.clone();
        int at = offsetOf(field);
        for (int i = 0; i < bytes.length; i++) {
            b[at + i] = (byte) bytes[i];
        }
        return b;
    }

    @Test
    void oversizedQualifiedSigner() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("qualifiedSigner.size", 0, 67)))
                .hasMessage("TPMS_ATTEST qualifiedSigner has size 67, more than the 66 it can hold");
    }

    @Test
    void oversizedExtraData() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("extraData.size", 0xFF, 0xFF)))
                .hasMessage("TPMS_ATTEST extraData has size 65535, more than the 66 it can hold");
    }

    @Test
    void safeIsAYesNo() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("clockInfo.safe", 2)))
                .hasMessage("TPMS_ATTEST clockInfo.safe is 2, expected 0 or 1");
    }

    @Test
    void tooManyPcrSelections() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("pcrSelect.count", 0, 0, 0, 17)))
                .hasMessage("TPMS_ATTEST pcrSelect.count is 17, more than the 16 accepted");
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("pcrSelect.count", 0xFF, 0xFF, 0xFF, 0xFF)))
                .hasMessage("TPMS_ATTEST pcrSelect.count is 4294967295, more than the 16 accepted");
    }

    @Test
    void aSelectionBitmapBeyond24Pcrs() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("pcrSelect[0].sizeofSelect", 4)))
                .hasMessage("TPMS_ATTEST pcrSelect[0].sizeofSelect is 4, more than the 3 bytes that cover 24 PCRs");
    }

    @Test
    void oversizedPcrDigest() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(with("pcrDigest.size", 0, 65)))
                .hasMessage("TPMS_ATTEST pcrDigest has size 65, more than the 64 it can hold");
    }

    @Test
    void trailingBytes() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(Arrays.copyOf(ATTEST, ATTEST.length + 3)))
                .hasMessage("TPMS_ATTEST has 3 trailing bytes after pcrDigest");
    }

    @Test
    void overTheCap() {
        assertThatThrownBy(() -> TpmsAttestParser.parse(new byte[1025]))
                .hasMessage("TPMS_ATTEST is 1025 bytes, more than the 1024 accepted");
    }

    @Test
    void anotherAttestationTypeParsesWithoutAQuoteBody() throws Exception {
        TpmsAttest certify = TpmsAttestParser.parse(with("type", 0x80, 0x17));
        assertThat(certify.type()).isEqualTo(0x8017);
        assertThat(certify.quote()).isEmpty();
        assertThat(certify.extraData()).isEqualTo(GOLDEN.nonce());
    }

    @Test
    void theSelectionBitmapIsReadLeastSignificantBitFirst() throws Exception {
        TpmsAttest attest = TpmsAttestParser.parse(with("pcrSelect[0].pcrSelect", 0x01, 0x80, 0x00));
        assertThat(attest.quote().orElseThrow().pcrSelect().get(0).pcrs()).containsExactly(0, 15);
    }
}
