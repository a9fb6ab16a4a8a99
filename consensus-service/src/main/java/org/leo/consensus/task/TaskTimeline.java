package org.leo.consensus.task;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When each stage of one task ended on the executor's Pi, from the moment it saw the task's GroupElected: "attest",
 * "key release", "load", "run", "power-cycle", "clean-up", "settled". Thread-safe; {@link #toString} is one line for the
 * operator ("task #12: attest 2.1 s, key release 0.4 s, ...").
 */
public final class TaskTimeline {
    /** A stage and when it ended. */
    public record Mark(String stage, Instant at) {
    }

    private final long taskSeq;
    private final Instant start;
    private final List<Mark> marks = new ArrayList<>();

    public TaskTimeline(long taskSeq, Instant start) {
        this.taskSeq = taskSeq;
        this.start = start;
    }

    public synchronized void mark(String stage, Instant at) {
        marks.add(new Mark(stage, at));
    }

    public synchronized List<Mark> marks() {
        return List.copyOf(marks);
    }

    /** How long {@code stage} took (from the previous mark, or the start), if it was reached. */
    public synchronized java.util.Optional<Duration> took(String stage) {
        Instant before = start;
        for (Mark m : marks) {
            if (m.stage().equals(stage)) {
                return java.util.Optional.of(Duration.between(before, m.at()));
            }
            before = m.at();
        }
        return java.util.Optional.empty();
    }

    @Override
    public synchronized String toString() {
        StringBuilder b = new StringBuilder("task #").append(taskSeq).append(':');
        Instant before = start;
        for (Mark m : marks) {
            b.append(' ').append(m.stage()).append(' ').append(Duration.between(before, m.at()).toMillis()).append(" ms,");
            before = m.at();
        }
        b.append(" in all ").append(Duration.between(start, marks.isEmpty() ? start : marks.get(marks.size() - 1).at()).toMillis()).append(" ms");
        return b.toString();
    }
}
