package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Pins the EK templates: each must marshal to exactly the public area swtpm returned for the EK it
 * certified (seeds ek-rsa-l1, ek-ecc-p384), except the unique field the TPM fills in.
 */
class EndorsementKeyTemplateTest {
    @Test
    void rsaTemplateIsL1() {
        byte[] template = EndorsementKeyTemplate.template(EkType.RSA_2048).toBytes();
        int uniqueAt = template.length - 2 - 256;
        assertThat(Arrays.copyOf(template, uniqueAt)).isEqualTo(Arrays.copyOf(AkPublicTest.RSA_EK, uniqueAt));
        assertThat(Arrays.copyOfRange(template, uniqueAt, template.length)).startsWith(0x01, 0x00).containsOnly(0x00, 0x01);
    }

    @Test
    void eccP384TemplateIsTheOneSwtpmCertifies() {
        byte[] template = EndorsementKeyTemplate.template(EkType.ECC_P384).toBytes();
        int uniqueAt = template.length - 4; // two empty TPM2B_ECC_PARAMETERs
        assertThat(Arrays.copyOf(template, uniqueAt)).isEqualTo(Arrays.copyOf(AkPublicTest.ECC_EK, uniqueAt));
        assertThat(Arrays.copyOfRange(template, uniqueAt, template.length)).containsOnly(0x00);
    }

    @Test
    void eccP256TemplateIsL2() {
        byte[] template = EndorsementKeyTemplate.template(EkType.ECC_P256).toBytes();
        assertThat(template).hasSize(2 + 2 + 4 + 2 + 32 + 6 + 2 + 2 + 2 + 2 + 32 + 2 + 32);
        assertThat(Arrays.copyOf(template, 10)).containsExactly(0x00, 0x23, 0x00, 0x0b, 0x00, 0x03, 0x00, 0xb2, 0x00, 0x20);
    }
}
