package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Optional;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;

/**
 * Jazzer target for the Pi's check of an agent's task report: whatever parses as a TaskReport gets a
 * problem sentence or passes within every cap; nothing throws. Seeds in
 * {@code TaskReportCheckFuzzTestInputs/check/}: a DONE report with capsules and timings, a FAILED one.
 */
class TaskReportCheckFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void check(byte[] input) {
        TaskReport r;
        try {
            r = TaskReport.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        Optional<String> problem = TaskReportCheck.problem(r);
        if (problem.isEmpty()) {
            assertThat(r.getSerializedSize()).isLessThanOrEqualTo(TaskReportCheck.MAX_REPORT_BYTES);
            assertThat(r.getStage()).isNotIn(TaskStage.TASK_STAGE_UNSPECIFIED, TaskStage.UNRECOGNIZED);
            assertThat(r.getTimingsMillisCount()).isLessThanOrEqualTo(TaskReportCheck.MAX_TIMINGS);
        } else {
            assertThat(problem.get()).isNotBlank();
        }
    }
}
