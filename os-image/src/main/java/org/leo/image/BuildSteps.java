package org.leo.image;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;

/** How long each step of an image build took, in order, each logged as it ends. */
public final class BuildSteps {
    private final Logger log;
    private final Map<String, Duration> steps = new LinkedHashMap<>();
    private Instant since = Instant.now();

    public BuildSteps(Logger log) {
        this.log = log;
    }

    /** Ends the step that began when the last one ended (or when this was made). */
    public void done(String name) {
        Instant now = Instant.now();
        Duration d = Duration.between(since, now);
        steps.put(name, d);
        log.info("{}: {} ms", name, d.toMillis());
        since = now;
    }

    public Map<String, Duration> steps() {
        return Collections.unmodifiableMap(steps);
    }
}
