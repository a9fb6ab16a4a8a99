package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@code leo vrf sortition}: a member's draw, and the check anyone runs from public data. */
class VrfSortitionCommandTest {
    private static final String HEAD = "ab".repeat(32);
    private static final String[] ROUND = {"--ledger-head", HEAD, "--mac", "52:54:00:77:00:10", "--round", "7", "--role", "verifier",
        "--credit", "100", "--total-credit", "1000"};

    private static String[] args(String[] head, String... more) {
        String[] all = new String[head.length + ROUND.length + more.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(ROUND, 0, all, head.length, ROUND.length);
        System.arraycopy(more, 0, all, head.length + ROUND.length, more.length);
        return all;
    }

    private static Map<String, String> lines(String out) {
        return out.lines().map(l -> l.split(" ", 2)).collect(Collectors.toMap(p -> p[0], p -> p[1]));
    }

    @Test
    void aDrawChecksFromPublicDataAndAWrongClaimOrRoundDoesNot() {
        AttestCommandTest.Run draw = AttestCommandTest.leo(args(new String[] {"vrf", "sortition", "--secret-key", VrfCommand.EXAMPLE_SK}));
        assertThat(draw.status()).as(draw.err()).isZero();
        Map<String, String> d = lines(draw.out());
        assertThat(d.get("alpha")).startsWith("6c656f2d736f72746974696f6e2d7631" + HEAD); // "leo-sortition-v1", the head
        long votes = Long.parseLong(d.get("votes"));

        String[] check = {"vrf", "sortition", "--check", "--public-key", VrfCommand.EXAMPLE_PK, "--proof", d.get("proof")};
        AttestCommandTest.Run ok = AttestCommandTest.leo(args(check, "--votes", "" + votes));
        assertThat(ok.status()).as(ok.out() + ok.err()).isZero();
        assertThat(ok.out().strip()).isEqualTo("valid votes " + votes + " beta " + d.get("beta"));

        AttestCommandTest.Run inflated = AttestCommandTest.leo(args(check, "--votes", "" + (votes + 3)));
        assertThat(inflated.status()).isEqualTo(1);
        assertThat(inflated.out().strip()).isEqualTo("invalid votes-mismatch: the member claims " + (votes + 3) + " votes, its VRF output gives "
                + votes);

        String[] otherRound = args(check, "--votes", "" + votes);
        otherRound[java.util.Arrays.asList(otherRound).indexOf("--round") + 1] = "8";
        AttestCommandTest.Run replayed = AttestCommandTest.leo(otherRound);
        assertThat(replayed.status()).isEqualTo(1);
        assertThat(replayed.out()).startsWith("invalid challenge-mismatch");

        assertThat(AttestCommandTest.leo(args(new String[] {"vrf", "sortition"})).status()).as("neither draw nor check").isEqualTo(2);
        String[] bad = args(new String[] {"vrf", "sortition", "--secret-key", VrfCommand.EXAMPLE_SK});
        bad[java.util.Arrays.asList(bad).indexOf("--mac") + 1] = "not-a-mac";
        AttestCommandTest.Run refused = AttestCommandTest.leo(bad);
        assertThat(refused.status()).isEqualTo(2);
        assertThat(refused.err()).contains("--mac, --round or --role");
    }
}
