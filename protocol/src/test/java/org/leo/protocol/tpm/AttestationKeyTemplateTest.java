package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Pins the attestation key template: a change here would give every deployed Pi a new key. */
class AttestationKeyTemplateTest {
    @Test
    void theTemplateMarshalsToTheseExactBytes() {
        String expected = "0023" // type TPM_ALG_ECC
                + "000b" // nameAlg SHA-256
                + "00050072" // fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | restricted | sign
                + "0000" // authPolicy: empty
                + "0010" // symmetric: TPM_ALG_NULL
                + "0018" + "000b" // scheme ECDSA, hash SHA-256
                + "0003" // curve NIST P-256
                + "0010" // kdf TPM_ALG_NULL
                + "0000" + "0000"; // unique: empty x and y
        assertThat(HexFormat.of().formatHex(AttestationKeyTemplate.template().toBytes())).isEqualTo(expected);
    }
}
