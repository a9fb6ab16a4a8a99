package org.leo.agent.task;

import java.util.List;
import java.util.Optional;

/**
 * What one guest run produced. Everything here came out of the guest: {@link #result}, {@link #stdout}
 * and {@link #stderr} may carry the task owner's data and go to the task owner only (sealed by the
 * caller), never to a log. {@link #exitCode}, {@link #timedOut}, {@link #oomKilled} and
 * {@link #timings} are the engine's and the agent's own observations.
 *
 * @param exitCode      the guest's exit status (137 when it was killed)
 * @param timedOut      the guest ran past its timeout and was killed
 * @param oomKilled     the kernel killed a guest process at the memory limit, as docker's OOMKilled flag says: best effort
 *                      (the flag comes from an event delivered apart from the exit, and a guest that exits at once can be
 *                      inspected before it arrives); a guest's exit code 137 is the other sign
 * @param result        the bytes of {@code /work/result}, empty if the guest left none or it was refused
 * @param resultProblem why there is no result, or "" when there is one
 * @param stdout        the guest's standard output, cut at {@link Limits#outputBytes()}
 * @param stderr        the guest's standard error, cut the same way
 * @param timings       each stage's duration
 * @param cleanUpErrors what could not be removed after the run (empty when all went); {@link Sandbox#verifyClean} says what is left
 */
public record Result(int exitCode, boolean timedOut, boolean oomKilled, Optional<byte[]> result, String resultProblem,
                     Output stdout, Output stderr, Timings timings, List<String> cleanUpErrors) {
    public Result {
        cleanUpErrors = List.copyOf(cleanUpErrors);
    }

    /**
     * One output stream of the guest, bounded.
     *
     * @param kept  the first bytes of the stream, at most {@link Limits#outputBytes()}
     * @param total how many bytes the guest wrote to it
     */
    public record Output(byte[] kept, long total) {
        public boolean truncated() {
            return total > kept.length;
        }

        /** The kept bytes as UTF-8, malformed sequences replaced. */
        public String text() {
            return new String(kept, java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
