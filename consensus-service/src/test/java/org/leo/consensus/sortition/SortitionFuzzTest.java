package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Sortition on arbitrary public inputs and claims: a vote count within the member's credit that
 * verify accepts and any other claim it rejects, or one of the documented refusals; nothing else.
 * Input layout: credit (8 bytes), total credit (8), expected size (4), claimed votes (8), then the
 * rest is beta, of any length. Seeds (resources ...SortitionFuzzTestInputs/) are valid draws.
 */
class SortitionFuzzTest {
    private static final int HEADER = 8 + 8 + 4 + 8;
    private static final List<String> REFUSALS = List.of(
            "a VRF output (beta) is 64 bytes, got ",
            "the fleet's total credit must be at least 1, got ",
            "a member's credit must be between 0 and the fleet's total credit ",
            "the expected committee size must be between 1 and 10000, got ");

    @FuzzTest(maxDuration = "30s")
    void votesAndVerify(byte[] input) {
        if (input.length < HEADER) {
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input);
        long credit = in.getLong();
        long total = in.getLong();
        int tau = in.getInt();
        long claimed = in.getLong();
        byte[] beta = Arrays.copyOfRange(input, HEADER, input.length);
        long votes;
        try {
            votes = Sortition.votes(beta, credit, total, tau);
        } catch (IllegalArgumentException e) {
            assertThat(REFUSALS).anyMatch(e.getMessage()::startsWith);
            return;
        }
        assertThat(votes).isBetween(0L, credit);
        assertThat(Sortition.verify(votes, beta, credit, total, tau).ok()).isTrue();
        VoteCheck claim = Sortition.verify(claimed, beta, credit, total, tau);
        assertThat(claim.ok()).isEqualTo(claimed == votes);
        assertThat(claim.actual()).isEqualTo(votes);
    }
}
