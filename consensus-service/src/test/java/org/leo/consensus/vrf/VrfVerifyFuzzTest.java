package org.leo.consensus.vrf;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;

/**
 * Fuzzes {@link Ecvrf#verify} over arbitrary public key, proof and alpha bytes: it returns a
 * verdict and throws nothing; a valid verdict's beta is proofToHash's. Input layout: byte 0 is the
 * public key's length (mod 41), byte 1 the proof's (mod 97), then the key, the proof, and alpha as
 * the rest. Seeds (resources ...VrfVerifyFuzzTestInputs/verify/) are the three RFC 9381 B.3
 * examples in that layout, so the fuzzer starts from valid proofs.
 */
class VrfVerifyFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void verify(byte[] input) {
        int pkLen = input.length > 0 ? (input[0] & 0xFF) % 41 : 32;
        int proofLen = input.length > 1 ? (input[1] & 0xFF) % 97 : 80;
        int at = Math.min(2, input.length);
        byte[] pk = Arrays.copyOfRange(input, at, Math.min(input.length, at + pkLen));
        at = Math.min(input.length, at + pkLen);
        byte[] proof = Arrays.copyOfRange(input, at, Math.min(input.length, at + proofLen));
        at = Math.min(input.length, at + proofLen);
        byte[] alpha = Arrays.copyOfRange(input, at, input.length);

        VrfVerdict v = Ecvrf.verify(pk, proof, alpha);
        assertThat(v).isNotNull();
        assertThat(v.toLine()).matches("(valid beta [0-9a-f]{128})|(invalid [a-z-]+: .+)");
        if (v instanceof VrfVerdict.Valid valid) {
            assertThat(valid.beta()).isEqualTo(Ecvrf.proofToHash(proof));
        }
    }
}
