package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class CommitteeRiskTest {
    private static final Offset<BigDecimal> EXACT = Offset.offset(new BigDecimal("1e-35"));

    private static BigDecimal ratio(long num, long den) {
        return BigDecimal.valueOf(num).divide(BigDecimal.valueOf(den), CommitteeRisk.MC);
    }

    /**
     * One malicious ticket, two honest, tau = 1 (p = 1/3), by hand: P(M=1) = 1/3; P(H=0,1,2) = 4/9,
     * 4/9, 1/9. (a) M=1 with any H (2M >= H always): 1/3. (b) M=1, H=0: 4/27. (c) 2/3 * 4/9 = 8/27.
     * Q = 1: P(M >= 1) = 1/3, P(H < 1) = 4/9; 2M + H >= 2: M = 1, or M = 0 and H = 2: 1/3 + 2/27.
     */
    @Test
    void aThreeTicketFleetByHand() {
        CommitteeRisk r = new CommitteeRisk(1, 2, 1);
        assertThat(r.overThird()).isCloseTo(ratio(1, 3), EXACT);
        assertThat(r.forge()).isCloseTo(ratio(4, 27), EXACT);
        assertThat(r.empty()).isCloseTo(ratio(8, 27), EXACT);
        assertThat(r.forgeAt(1)).isCloseTo(ratio(1, 3), EXACT);
        assertThat(r.stallAt(1)).isCloseTo(ratio(4, 9), EXACT);
        assertThat(r.equivocateAt(1)).isCloseTo(ratio(11, 27), EXACT);
    }

    @Test
    void noMaliciousCreditNoMaliciousRisk() {
        CommitteeRisk r = new CommitteeRisk(0, 1000, 63);
        assertThat(r.overThird().signum()).isZero();
        assertThat(r.forge().signum()).isZero();
        assertThat(r.forgeAt(CommitteeRisk.fixedQuorum(63)).signum()).isZero();
    }

    /** Four members of 100 at tau = 100 of 400: each sits unless all its 100 tickets miss, (3/4)^100. */
    @Test
    void expectedSeatedMembers() {
        BigDecimal missAll = new BigDecimal("0.75").pow(100);
        BigDecimal expected = BigDecimal.valueOf(4).multiply(BigDecimal.ONE.subtract(missAll));
        assertThat(CommitteeRisk.expectedSeated(Map.of(100L, 4L), 100)).isCloseTo(expected, EXACT);
    }

    /** Algorand's parameters found again: tau = 2000 at 80% honest credit needs Q of about 0.685 tau. */
    @Test
    void theBestFixedThresholdAtTwoThousandIsAlgorands() {
        CommitteeRisk r = CommitteeRiskReport.equalFleetRisk(1000, 20, 2000);
        int q = CommitteeRiskReport.bestThreshold(r, 2000);
        assertThat(q).isBetween(1360, 1380);
        assertThat(r.equivocateAt(q).max(r.stallAt(q))).isLessThan(new BigDecimal("5e-9"));
    }

    @Test
    void theFixedQuorumIsMoreThanTwoThirdsOfTau() {
        assertThat(CommitteeRisk.fixedQuorum(3)).isEqualTo(3);
        assertThat(CommitteeRisk.fixedQuorum(4)).isEqualTo(3);
        assertThat(CommitteeRisk.fixedQuorum(63)).isEqualTo(43);
        assertThat(CommitteeRisk.fixedQuorum(100)).isEqualTo(67);
    }
}
