package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.leo.attest.appraise.Policy;

/** Every default of the fleet settings, pinned, and the invalid values refused with both sides named. */
class FleetConfigTest {
    @Test
    void everyDefaultIsPinned() {
        FleetConfig d = FleetConfig.defaults();
        assertThat(d.bind()).isEqualTo(new InetSocketAddress(7450));
        assertThat(d.expectedCommitteeSize()).isEqualTo(63);
        assertThat(d.startingCredit()).isEqualTo(10);
        assertThat(d.roundDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(d.verdictGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.maxOpenRounds()).isEqualTo(256);
        assertThat(d.roundPeriod()).isEqualTo(Duration.ofSeconds(60));
        assertThat(d.challengeSpread()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.roundOpen()).isEqualTo(Duration.ofSeconds(50));
        assertThat(d.scheduleProblem()).isEmpty();
        assertThat(d.verifierPolicy().effective()).as("a verifier appraises with the built-in policy").isEqualTo(Policy.defaults().effective());
    }

    @Test
    void aPeriodThatARoundOutlastsIsAScheduleProblem() {
        FleetConfig c = FleetConfig.defaults().withSchedule(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(2));
        assertThat(c.scheduleProblem()).hasValue("the round period (10000 ms) must exceed the challenge spread, round deadline and verdict grace "
                + "together (10000 ms): the ledger must be still when the next round is drawn");
        assertThat(c.withSchedule(Duration.ofMillis(10_001), Duration.ofSeconds(2), Duration.ofSeconds(6), Duration.ofSeconds(2)).scheduleProblem())
                .isEmpty();
        assertThat(RoundSchedule.roundAtOrAfter(10_000, Duration.ofSeconds(10))).isEqualTo(1);
        assertThat(RoundSchedule.roundAtOrAfter(10_001, Duration.ofSeconds(10))).isEqualTo(2);
        assertThat(RoundSchedule.roundAtOrAfter(0, Duration.ofSeconds(10))).isZero();
    }

    @Test
    void invalidValuesAreRefusedWithASentence() {
        assertThatThrownBy(() -> FleetConfig.defaults().withExpectedCommitteeSize(0)).hasMessageContaining("between 1 and 10000, got 0");
        assertThatThrownBy(() -> FleetConfig.defaults().withRoundDeadline(Duration.ZERO))
                .hasMessage("the round deadline must be positive and the verdict grace not negative, got PT0S and PT10S");
    }
}
