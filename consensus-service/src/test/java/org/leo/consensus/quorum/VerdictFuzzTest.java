package org.leo.consensus.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the verdict's wire form, as a peer sends it: decode throws nothing but
 * IllegalArgumentException, an accepted input re-encodes to the same bytes, and a collector offered
 * the bytes answers with an admission, never an exception.
 */
class VerdictFuzzTest {
    private static final RoundId ROUND = new RoundId(new byte[32], org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), 42);

    @FuzzTest(maxDuration = "30s")
    void fuzzDecode(byte[] input) {
        Verdict v;
        try {
            v = Verdict.decode(input);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(v.encode()).isEqualTo(input);
        v.signatureValid();
    }

    @FuzzTest(maxDuration = "30s")
    void fuzzOffer(byte[] input) {
        QuorumCollector c = new QuorumCollector(ROUND, 7, (m, p, r) -> 1);
        assertThat(c.offer(input)).isNotNull();
    }
}
