package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.CleanupReport;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;

/** {@link TaskReportCheck}: each cap by its sentence; a real-sized report passes. */
class TaskReportCheckTest {
    static TaskReport.Builder done() {
        return TaskReport.newBuilder().setTaskSeq(5).setStage(TaskStage.TASK_STAGE_DONE).setResult(ByteString.copyFrom(new byte[1 << 20]))
                .setStdout(ByteString.copyFrom(new byte[70_000])).putTimingsMillis("run", 12)
                .setCleanup(CleanupReport.newBuilder().setClean(true));
    }

    @Test
    void capsAreCheckedBySentence() {
        assertThat(TaskReportCheck.problem(done().build())).isEmpty();
        assertThat(TaskReportCheck.problem(done().setStdout(ByteString.copyFrom(new byte[3 << 20])).build()))
                .hasValueSatisfying(p -> assertThat(p).startsWith("the report is ").endsWith(" bytes, at most 2621440"));
        assertThat(TaskReportCheck.problem(done().clearStage().build())).hasValue("the report names no known stage (0)");
        assertThat(TaskReportCheck.problem(done().setStageValue(77).build())).hasValue("the report names no known stage (77)");
        assertThat(TaskReportCheck.problem(done().clearStdout().setResult(ByteString.copyFrom(new byte[(2 << 20) + 1])).build()))
                .hasValue("the result capsule is 2097153 bytes, at most 2097152");
        assertThat(TaskReportCheck.problem(done().setStderr(ByteString.copyFrom(new byte[(128 << 10) + 1])).build()))
                .hasValue("an output capsule is over 131072 bytes");
        org.leo.protocol.attest.v1.ResultCopy copy = org.leo.protocol.attest.v1.ResultCopy.newBuilder()
                .setOwnerMemberKey(ByteString.copyFrom(new byte[32])).setResult(ByteString.copyFrom(new byte[100])).build();
        assertThat(TaskReportCheck.problem(done().addMoreResults(copy).build())).isEmpty();
        assertThat(TaskReportCheck.problem(done().addMoreResults(copy.toBuilder().setOwnerMemberKey(ByteString.copyFrom(new byte[31]))).build()))
                .hasValue("a result copy names a member key of 31 bytes (expected 32) or is 100 bytes (at most 2097152)");
        TaskReport.Builder copies = done();
        for (int i = 0; i < 16; i++) {
            copies.addMoreResults(copy);
        }
        assertThat(TaskReportCheck.problem(copies.build())).hasValue("the report has 16 more result copies, at most 15");
        assertThat(TaskReportCheck.problem(done().setRefusal("x".repeat(4097)).build()))
                .hasValue("a sentence of the report is over 4096 characters");
        TaskReport.Builder timings = done();
        for (int i = 0; i < 65; i++) {
            timings.putTimingsMillis("s" + i, i);
        }
        assertThat(TaskReportCheck.problem(timings.build())).hasValue("the report has over 64 timings or a stage name over 64 characters");
        CleanupReport.Builder c = CleanupReport.newBuilder();
        for (int i = 0; i < 65; i++) {
            c.addLeftovers("container " + i);
        }
        assertThat(TaskReportCheck.problem(done().setCleanup(c).build()))
                .hasValue("the clean-up report lists over 64 things or one over 4096 characters");
    }
}
