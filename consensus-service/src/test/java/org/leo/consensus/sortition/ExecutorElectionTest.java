package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.leo.consensus.sortition.ExecutorElection.Candidate;

class ExecutorElectionTest {
    /** A candidate whose beta has first byte {@code first} and all other bytes {@code rest}. */
    private static Candidate candidate(String id, long votes, int first, int rest) {
        byte[] beta = new byte[Sortition.BETA_BYTES];
        Arrays.fill(beta, (byte) rest);
        beta[0] = (byte) first;
        return new Candidate(id, votes, beta);
    }

    private static Optional<String> winner(Candidate... candidates) {
        return ExecutorElection.elect(List.of(candidates)).map(Candidate::memberId);
    }

    @Test
    void mostVotesWins() {
        assertThat(winner(candidate("pi-a", 2, 0x00, 0x00), candidate("pi-b", 3, 0xff, 0xff))).contains("pi-b");
    }

    /** 0x7f.. is lower than 0x80.. as an unsigned number; signed bytes would say otherwise. */
    @Test
    void equalVotesGoToTheLowerBetaReadUnsigned() {
        Candidate low = candidate("pi-z", 2, 0x7f, 0xff);
        Candidate high = candidate("pi-a", 2, 0x80, 0x00);
        assertThat(winner(high, low)).contains("pi-z");
        assertThat(winner(low, high)).contains("pi-z");
    }

    @Test
    void equalBetasFallBackToTheMemberId() {
        assertThat(winner(candidate("pi-b", 1, 1, 1), candidate("pi-a", 1, 1, 1))).contains("pi-a");
    }

    @Test
    void membersWithoutVotesAreNotCandidates() {
        assertThat(winner(candidate("pi-a", 0, 0, 0))).isEmpty();
        assertThat(winner()).isEmpty();
        assertThat(winner(candidate("pi-a", 0, 0, 0), candidate("pi-b", 1, 0xff, 0xff))).contains("pi-b");
    }

    @Test
    void aCandidateNeedsASixtyFourByteBeta() {
        assertThatThrownBy(() -> new Candidate("pi-a", 1, new byte[63])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("candidate pi-a: a VRF output (beta) is 64 bytes, got 63");
    }
}
