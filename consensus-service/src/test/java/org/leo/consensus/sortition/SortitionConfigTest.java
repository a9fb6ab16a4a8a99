package org.leo.consensus.sortition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SortitionConfigTest {
    /** docs/committee-risk.md derives this value; change both together. */
    @Test
    void defaultsArePinned() {
        assertThat(SortitionConfig.DEFAULT.expectedCommitteeSize()).isEqualTo(63);
        assertThat(SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE).isEqualTo(63);
    }

    @Test
    void anExpectedSizeOutsideTheRangeIsRefused() {
        assertThatThrownBy(() -> new SortitionConfig(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the expected committee size (tau) must be between 1 and 10000, got 0");
        assertThat(new SortitionConfig(Sortition.MAX_EXPECTED_SIZE).expectedCommitteeSize()).isEqualTo(10_000);
    }
}
