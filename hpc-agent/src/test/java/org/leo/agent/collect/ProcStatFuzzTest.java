package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Jazzer target for the /proc/&lt;pid&gt;/stat parser. In a normal test run it replays the seeds in
 * {@code ProcStatFuzzTestInputs/fuzzStat/}. Invariants: only {@link ProcFormatException} escapes; an
 * accepted line has a non-negative pid and ppid and a bounded command name without control
 * characters.
 */
class ProcStatFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzStat(byte[] input) {
        ProcStat s;
        try {
            s = ProcStat.parse(new String(input, StandardCharsets.UTF_8));
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(s.pid()).isNotNegative();
        assertThat(s.ppid()).isNotNegative();
        assertThat(s.comm().length()).isLessThanOrEqualTo(ProcStat.MAX_COMM_LENGTH);
        assertThat(s.comm().chars().noneMatch(c -> c < 0x20 || c == 0x7f)).isTrue();
    }
}
