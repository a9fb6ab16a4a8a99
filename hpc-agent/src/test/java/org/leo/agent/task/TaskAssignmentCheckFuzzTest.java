package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import org.leo.protocol.attest.v1.TaskAssignment;

/**
 * Jazzer target for the agent's check of a task assignment (bytes from the Pi): whatever parses as a
 * TaskAssignment is either a plan within the caps or a {@link TaskRefusedException} with a sentence;
 * nothing else escapes. Seeds in {@code TaskAssignmentCheckFuzzTestInputs/check/}: a well-formed
 * assignment (whose recipient signature a mutation breaks) and its prefix.
 */
class TaskAssignmentCheckFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void check(byte[] input) {
        TaskAssignment a;
        try {
            a = TaskAssignment.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            return;
        }
        try {
            TaskAssignmentCheck.Plan p = TaskAssignmentCheck.check(a);
            assertThat(p.capsules()).hasSizeLessThanOrEqualTo(TaskAssignmentCheck.MAX_CAPSULES);
            assertThat(p.limits().resultBytes()).isLessThanOrEqualTo(TaskAssignmentCheck.MAX_RESULT_BYTES);
        } catch (TaskRefusedException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }
}
