package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/** Fuzzes {@link EnrollmentToken#decode}, what an operator pastes: an IllegalArgumentException with a sentence, or a token that re-encodes to the same text. */
class EnrollmentTokenFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void decode(byte[] input) {
        String text = new String(input, StandardCharsets.UTF_8);
        EnrollmentToken t;
        try {
            t = EnrollmentToken.decode(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            return;
        }
        assertThat(EnrollmentToken.decode(t.encode())).isEqualTo(t);
        assertThat(text.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[ \\t\\r\\n-]", "")).as("only ASCII case, blanks and dashes are forgiven")
                .isEqualTo(t.encode().replace("-", ""));
    }
}
