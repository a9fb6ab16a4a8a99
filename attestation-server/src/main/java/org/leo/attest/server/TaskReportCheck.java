package org.leo.attest.server;

import java.util.Optional;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;

/**
 * Caps on a task report from an agent, checked before anything of it is kept or logged (a pure
 * function; {@code TaskReportCheckFuzzTest}). The result capsule may carry the agent's largest result
 * (1 MiB) and the output capsules its kept output (64 KiB each), with room for the capsule's header; with data of
 * several owners, a copy of the result for each other owner (the agent then keeps 1 MiB / owners of result).
 */
public final class TaskReportCheck {
    /** A whole report: the result, both outputs and the rest. */
    public static final int MAX_REPORT_BYTES = 2 * 1024 * 1024 + 512 * 1024;
    public static final int MAX_RESULT_BYTES = 2 * 1024 * 1024;
    public static final int MAX_OUTPUT_CAPSULE_BYTES = 128 * 1024;
    public static final int MAX_TEXT_CHARS = 4096;
    public static final int MAX_TIMINGS = 64;
    public static final int MAX_LEFTOVERS = 64;
    /** Result copies for the other data capsule owners (an assignment has at most 16 capsules); all fit MAX_REPORT_BYTES. */
    public static final int MAX_MORE_RESULTS = 15;

    private TaskReportCheck() {
    }

    /** What is wrong with the report, if anything. */
    public static Optional<String> problem(TaskReport r) {
        int size = r.getSerializedSize();
        if (size > MAX_REPORT_BYTES) {
            return Optional.of("the report is " + size + " bytes, at most " + MAX_REPORT_BYTES);
        }
        if (r.getStage() == TaskStage.TASK_STAGE_UNSPECIFIED || r.getStage() == TaskStage.UNRECOGNIZED) {
            return Optional.of("the report names no known stage (" + r.getStageValue() + ")");
        }
        if (r.getResult().size() > MAX_RESULT_BYTES) {
            return Optional.of("the result capsule is " + r.getResult().size() + " bytes, at most " + MAX_RESULT_BYTES);
        }
        if (r.getMoreResultsCount() > MAX_MORE_RESULTS) {
            return Optional.of("the report has " + r.getMoreResultsCount() + " more result copies, at most " + MAX_MORE_RESULTS);
        }
        for (var c : r.getMoreResultsList()) {
            if (c.getOwnerMemberKey().size() != 32 || c.getResult().size() > MAX_RESULT_BYTES) {
                return Optional.of("a result copy names a member key of " + c.getOwnerMemberKey().size() + " bytes (expected 32) or is "
                        + c.getResult().size() + " bytes (at most " + MAX_RESULT_BYTES + ")");
            }
        }
        if (r.getStdout().size() > MAX_OUTPUT_CAPSULE_BYTES || r.getStderr().size() > MAX_OUTPUT_CAPSULE_BYTES) {
            return Optional.of("an output capsule is over " + MAX_OUTPUT_CAPSULE_BYTES + " bytes");
        }
        if (r.getRefusal().length() > MAX_TEXT_CHARS || r.getResultProblem().length() > MAX_TEXT_CHARS) {
            return Optional.of("a sentence of the report is over " + MAX_TEXT_CHARS + " characters");
        }
        if (r.getTimingsMillisCount() > MAX_TIMINGS || r.getTimingsMillisMap().keySet().stream().anyMatch(k -> k.length() > 64)) {
            return Optional.of("the report has over " + MAX_TIMINGS + " timings or a stage name over 64 characters");
        }
        if (r.getCleanup().getLeftoversCount() + r.getCleanup().getErrorsCount() > MAX_LEFTOVERS
                || r.getCleanup().getLeftoversList().stream().anyMatch(s -> s.length() > MAX_TEXT_CHARS)
                || r.getCleanup().getErrorsList().stream().anyMatch(s -> s.length() > MAX_TEXT_CHARS)) {
            return Optional.of("the clean-up report lists over " + MAX_LEFTOVERS + " things or one over " + MAX_TEXT_CHARS + " characters");
        }
        return Optional.empty();
    }
}
