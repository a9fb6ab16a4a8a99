package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link WrapKeyFile#parse}, the parser of a wrap key file (untrusted: it may come from
 * anywhere). Seed (resources ...WrapKeyFileFuzzTestInputs/parse/): a file of the wrap key template's
 * shape. Whatever parses is the template's key and formats back to exactly the bytes read.
 */
class WrapKeyFileFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) throws Exception {
        try {
            WrapKey key = WrapKeyFile.parse(input);
            assertThat(WrapKeyFile.format(key).getBytes(StandardCharsets.US_ASCII)).isEqualTo(input);
            assertThat(WrapKey.fromPublicArea(key.publicArea())).isEqualTo(key);
            assertThat(key.publicKey().getModulus().bitLength()).isEqualTo(WrapKeyTemplate.KEY_BITS);
        } catch (TpmFormatException e) {
            assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
        }
    }
}
