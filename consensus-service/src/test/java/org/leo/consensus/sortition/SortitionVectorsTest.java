package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Java sortition against the vectors printed by sortition_reference.py (beside this test's
 * resources), a second implementation written from docs/sortition.md with Python's decimal module.
 * The boundaries are compared to the last of their 170 digits.
 */
class SortitionVectorsTest {
    private static List<String[]> vectors(String kind) throws IOException {
        try (InputStream in = SortitionVectorsTest.class.getResourceAsStream("sortition-vectors.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).lines()
                    .map(l -> l.split(" ")).filter(f -> f[0].equals(kind)).toList();
        }
    }

    @Test
    void votesMatchTheReference() throws IOException {
        List<String[]> votes = vectors("votes");
        assertThat(votes).hasSizeGreaterThan(200);
        for (String[] v : votes) {
            long credit = Long.parseLong(v[1]);
            long total = Long.parseLong(v[2]);
            int tau = Integer.parseInt(v[3]);
            byte[] beta = HexFormat.of().parseHex(v[4]);
            assertThat(Sortition.votes(beta, credit, total, tau)).as(String.join(" ", v)).isEqualTo(Long.parseLong(v[5]));
        }
    }

    @Test
    void boundariesMatchTheReferenceDigitForDigit() throws IOException {
        List<String[]> boundaries = vectors("boundary");
        assertThat(boundaries).hasSizeGreaterThan(30);
        for (String[] v : boundaries) {
            BinomialTerms terms = new BinomialTerms(Long.parseLong(v[1]), Integer.parseInt(v[3]), Long.parseLong(v[2]), Sortition.MC);
            BigDecimal sum = terms.term();
            for (long k = Long.parseLong(v[4]); k > 0; k--) {
                sum = sum.add(terms.next(), Sortition.MC);
            }
            assertThat(sum.compareTo(new BigDecimal(v[5]))).as(String.join(" ", v)).isZero();
        }
    }
}
