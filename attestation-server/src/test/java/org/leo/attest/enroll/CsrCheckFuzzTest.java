package org.leo.attest.enroll;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.security.interfaces.ECPublicKey;

/** CSRs come from unauthenticated agents: any bytes give a P-256 key or an IllegalArgumentException with a sentence. */
class CsrCheckFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void csrCheckNeverThrowsAnythingElse(byte[] data) {
        try {
            assertThat(CsrCheck.publicKeyOf(data)).isInstanceOf(ECPublicKey.class);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
