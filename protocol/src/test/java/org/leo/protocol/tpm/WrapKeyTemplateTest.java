package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Pins the wrap key template: a change here gives every deployed Pi a new wrap key and loses every wrapped capsule key. */
class WrapKeyTemplateTest {
    @Test
    void theTemplateMarshalsToTheseExactBytes() {
        String expected = "0001" // type TPM_ALG_RSA
                + "000b" // nameAlg SHA-256
                + "00020072" // fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | decrypt
                + "0000" // authPolicy: empty
                + "0010" // symmetric: TPM_ALG_NULL
                + "0017" + "000b" // scheme OAEP, hash SHA-256
                + "0800" // keyBits 2048
                + "00000000" // exponent: default (65537)
                + "0017" + HexFormat.of().formatHex("leo-capsule-wrap-key-v1".getBytes(StandardCharsets.US_ASCII)); // unique
        assertThat(HexFormat.of().formatHex(WrapKeyTemplate.template().toBytes())).isEqualTo(expected);
    }

    @Test
    void theOaepLabelEndsInTheZeroByteTheTpmRequires() {
        assertThat(WrapKey.tpmLabel()).isEqualTo("leo-capsule-key-v1\0".getBytes(StandardCharsets.US_ASCII));
        // TPM2B_DATA holds sizeof(TPMT_HA): 34 bytes on a TPM whose largest hash is SHA-256
        assertThat(WrapKey.tpmLabel().length).isLessThanOrEqualTo(34);
        assertThat(WrapKey.MAX_SECRET_BYTES).isEqualTo(190);
    }
}
