package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.vrf.Ecvrf;

/** A member's draw checks from public data; another member's key, another alpha or another claim does not. */
class MemberSortitionTest {
    private static final Alpha ALPHA = new Alpha(new byte[32], MacAddress.parse("52:54:00:77:00:10"), 7, Role.VERIFIER);

    @Test
    void drawsOfAFleetCheckAndTheirVotesAverageTheExpectedSize() {
        Random random = new Random(0x5eed);
        long total = 0;
        int members = 40;
        for (int i = 0; i < members; i++) {
            byte[] sk = new byte[32];
            random.nextBytes(sk);
            MemberSortition.Draw d = MemberSortition.draw(sk, ALPHA, 100, 100L * members, 20);
            MemberSortition.Checked c = MemberSortition.check(Ecvrf.publicKey(sk), d.proof(), ALPHA, 100, 100L * members, 20, d.votes());
            assertThat(c).isInstanceOfSatisfying(MemberSortition.Checked.Valid.class, v -> {
                assertThat(v.votes()).isEqualTo(d.votes());
                assertThat(v.beta()).isEqualTo(d.beta());
            });
            total += d.votes();
        }
        // 40 members, expected committee 20: the sum is Binomial(4000, 1/200), mean 20, sd 4.5
        assertThat(total).isBetween(5L, 40L);
    }

    @Test
    void anotherKeyAnotherAlphaOrAnotherClaimIsInvalid() {
        byte[] sk = new byte[32];
        sk[0] = 1;
        MemberSortition.Draw d = MemberSortition.draw(sk, ALPHA, 100, 1000, 63);
        byte[] otherKey = new byte[32];
        otherKey[0] = 2;
        assertThat(MemberSortition.check(Ecvrf.publicKey(otherKey), d.proof(), ALPHA, 100, 1000, 63, d.votes()).toLine())
                .startsWith("invalid challenge-mismatch");
        Alpha executor = new Alpha(new byte[32], MacAddress.parse("52:54:00:77:00:10"), 7, Role.EXECUTOR);
        assertThat(MemberSortition.check(Ecvrf.publicKey(sk), d.proof(), executor, 100, 1000, 63, d.votes()).toLine())
                .as("a verifier's proof is no executor's").startsWith("invalid challenge-mismatch");
        assertThat(MemberSortition.check(Ecvrf.publicKey(sk), d.proof(), ALPHA, 100, 1000, 63, d.votes() + 1).toLine())
                .isEqualTo("invalid votes-mismatch: the member claims " + (d.votes() + 1) + (d.votes() + 1 == 1 ? " vote" : " votes")
                        + ", its VRF output gives " + d.votes());
    }
}
