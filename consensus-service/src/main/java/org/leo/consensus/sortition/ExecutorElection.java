package org.leo.consensus.sortition;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Elects the one member that executes a task among those drawn for {@link Role#EXECUTOR}: the most
 * votes wins; equal votes go to the lower VRF output, compared as an unsigned big-endian number.
 * Two distinct members share a VRF output with negligible probability, so the member id is only a
 * last tie-break (its UTF-8 bytes, unsigned) that keeps the function total on any list. Members with
 * no votes are not candidates. A pure function: the candidates' VRF proofs and votes are checked
 * before ({@link Sortition#verify}).
 */
public final class ExecutorElection {
    /** One drawn member: its id, its verified votes and its VRF output. */
    public record Candidate(String memberId, long votes, byte[] beta) {
        public Candidate {
            Objects.requireNonNull(memberId, "memberId");
            if (beta == null || beta.length != Sortition.BETA_BYTES) {
                throw new IllegalArgumentException("candidate " + memberId + ": a VRF output (beta) is "
                        + Sortition.BETA_BYTES + " bytes, got " + (beta == null ? "none" : beta.length));
            }
            beta = beta.clone();
        }

        @Override
        public byte[] beta() {
            return beta.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Candidate c && memberId.equals(c.memberId) && votes == c.votes && Arrays.equals(beta, c.beta);
        }

        @Override
        public int hashCode() {
            return Objects.hash(memberId, votes, Arrays.hashCode(beta));
        }

        @Override
        public String toString() {
            return memberId + " (" + votes + " votes)";
        }
    }

    /** Most votes first, then the lower beta, then the lower member id. */
    static final Comparator<Candidate> ORDER = Comparator.comparingLong(Candidate::votes).reversed()
            .thenComparing((a, b) -> Arrays.compareUnsigned(a.beta, b.beta))
            .thenComparing((a, b) -> Arrays.compareUnsigned(utf8(a.memberId), utf8(b.memberId)));

    private ExecutorElection() {
    }

    /** The executor, or empty when no candidate has a vote. */
    public static Optional<Candidate> elect(List<Candidate> candidates) {
        return candidates.stream().filter(c -> c.votes() > 0).min(ORDER);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
