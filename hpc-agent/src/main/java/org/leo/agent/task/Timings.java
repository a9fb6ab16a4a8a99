package org.leo.agent.task;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Collectors;

/** How long each stage of one task took, in the order they ran; a stage that did not run is absent. */
public record Timings(Map<Stage, Duration> stages) {
    /** The stages of a task on the HPC, in order (the image is loaded before: {@link LoadedImage#took()}). */
    public enum Stage {
        /** mount the work tmpfs, write the inputs into it */
        COPY_IN("copy-in"),
        /** create the container (the engine checks the configuration) */
        CREATE("create"),
        /** attach, start, wait for the exit (or the timeout and the kill) */
        RUN("run"),
        /** read /work/result */
        COPY_OUT("copy-out"),
        /** remove the container, unmount the work tmpfs, remove the image */
        CLEAN_UP("clean-up");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    public Timings {
        stages = Collections.unmodifiableMap(new EnumMap<>(stages));
    }

    public Duration total() {
        return stages.values().stream().reduce(Duration.ZERO, Duration::plus);
    }

    /** "copy-in 3 ms, create 41 ms, run 212 ms, copy-out 0 ms, clean-up 97 ms". */
    @Override
    public String toString() {
        return stages.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().toMillis() + " ms").collect(Collectors.joining(", "));
    }

    /** Measures stages one after the other. */
    static final class Clock {
        private final EnumMap<Stage, Duration> done = new EnumMap<>(Stage.class);
        private Stage current;
        private long started;

        void start(Stage s) {
            stop();
            current = s;
            started = System.nanoTime();
        }

        void stop() {
            if (current != null) {
                done.merge(current, Duration.ofNanos(System.nanoTime() - started), Duration::plus);
                current = null;
            }
        }

        Timings timings() {
            stop();
            return new Timings(done);
        }
    }
}
