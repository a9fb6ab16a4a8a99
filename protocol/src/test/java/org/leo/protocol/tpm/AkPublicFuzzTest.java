package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * Fuzzes {@link AkPublic#parse} and {@link EkPublic#parse}, the parsers of the key bytes an HPC
 * sends. Seeds (resources ...AkPublicFuzzTestInputs/parse/) are real TPMT_PUBLIC areas from swtpm:
 * the Leo AK template, tpm2_createak ECC and RSA AKs, the RSA L-1 and ECC P-384 EKs.
 */
class AkPublicFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws Exception {
        try {
            AkPublic ak = AkPublic.parse(input);
            assertThat(input.length).isLessThanOrEqualTo(TpmPublic.MAX_PUBLIC_BYTES);
            assertThat(ak.objectAttributes() & (TpmPublic.RESTRICTED | TpmPublic.SIGN)).isEqualTo(TpmPublic.RESTRICTED | TpmPublic.SIGN);
            assertThat(ak.objectAttributes() & TpmPublic.DECRYPT).isZero();
            byte[] name = ak.name();
            int nameAlg = ((name[0] & 0xFF) << 8) | (name[1] & 0xFF);
            assertThat(Arrays.copyOfRange(name, 2, name.length))
                    .isEqualTo(MessageDigest.getInstance(TpmPublic.jcaDigest(nameAlg)).digest(input));
            assertThat(ak.publicArea()).isEqualTo(input);
        } catch (TpmFormatException e) {
            assertThat(e.getMessage()).startsWith("TPMT_PUBLIC ");
        }
        try {
            EkPublic ek = EkPublic.parse(input);
            assertThat(ek.publicKey()).isNotNull();
        } catch (TpmFormatException e) {
            assertThat(e.getMessage()).startsWith("TPMT_PUBLIC ");
        }
    }
}
