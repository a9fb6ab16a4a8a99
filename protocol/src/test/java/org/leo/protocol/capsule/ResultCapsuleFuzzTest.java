package org.leo.protocol.capsule;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the task owner's side of a result capsule: {@link ResultCapsule#parse} and the whole
 * {@link ResultOpener#open} throw nothing but {@link ResultCapsuleException} on any bytes, and what
 * parses encodes back to the same bytes. Seeds (resources ...ResultCapsuleFuzzTestInputs/parseAndOpen/):
 * a genuine capsule of "hello" by the test agent for the test recipient, and it cut short.
 */
class ResultCapsuleFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void parseAndOpen(byte[] input) {
        ResultCapsule c;
        try {
            c = ResultCapsule.parse(input, 1 << 20);
        } catch (ResultCapsuleException e) {
            assertThat(e.code()).isNotBlank();
            return;
        }
        assertThat(c.encode()).isEqualTo(input);
        try {
            byte[] plain = ResultOpener.open(c, c.taskSeq(), c.part(), ResultKeys.AGENT, ResultKeys.RECIPIENT_SPKI, ResultKeys::unwrap);
            assertThat(plain).hasSize((int) c.plaintextSize());
        } catch (ResultCapsuleException e) {
            assertThat(e.code()).isNotBlank();
        }
    }
}
