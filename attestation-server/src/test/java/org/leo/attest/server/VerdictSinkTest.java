package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.attest.action.ActionDispatcher;
import org.leo.attest.action.NetworkControl;
import org.leo.attest.action.PowerControl;
import org.leo.attest.action.TaskControl;
import org.leo.attest.appraise.Findings;
import org.leo.attest.appraise.Policy;
import org.leo.attest.appraise.Verdict;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;

/** The end of a verdict: finding entries bounded per HPC per minute, and no action before its entry is durable. */
class VerdictSinkTest {
    static final String HPC = "52:54:00:77:00:10";

    @TempDir
    Path tmp;

    static final class Recorder implements PowerControl {
        final List<String> cycled = new CopyOnWriteArrayList<>();

        @Override
        public void powerCycle(String hpc) {
            cycled.add(hpc);
        }

        @Override
        public String describe() {
            return "recorder";
        }
    }

    static Verdict verdict(Policy policy, int findings) {
        Findings f = new Findings(HPC, policy);
        for (int i = 0; i < findings; i++) {
            f.add("process table", "os.process.new", "", "p" + i, "a new process p" + i);
        }
        return new Verdict(HPC, 1, f.list());
    }

    @Test
    void findingEntriesPerHpcPerMinuteAreBoundedAndTheOverflowIsOneEntry() throws Exception {
        Policy policy = Policy.of(Map.of("log.max-findings-per-minute", "10", "action.error", "record"));
        try (AttestationLog log = AttestationLog.open(tmp.resolve("attest.db"))) {
            Clock clock = Clock.systemUTC();
            VerdictSink sink = new VerdictSink(() -> policy, log, new ActionDispatcher(policy, log, new Recorder(), NetworkControl.NONE,
                    TaskControl.NONE, clock), clock, new SimpleMeterRegistry());
            for (int i = 0; i < 30; i++) {
                sink.conclude(verdict(policy, 20)).get(10, TimeUnit.SECONDS);
            }
            sink.close();
            List<String> ids = log.forHpc(HPC, 10_000).stream().map(ChainedEntry::entry).map(e -> e.eventId()).toList();
            assertThat(ids.stream().filter("os.process.new"::equals)).hasSize(10);
            assertThat(ids.stream().filter("log.throttled"::equals)).hasSize(1);
            // Every answer's verdict line is kept.
            assertThat(ids.stream().filter("verdict.findings"::equals)).hasSize(30);
        }
    }

    @Test
    void noActionIsTakenWhenItsEntryCannotBeMadeDurable() throws Exception {
        Policy policy = Policy.of(Map.of("action.error", "record,power-cycle", "action.cooldown-seconds", "0"));
        AttestationLog log = AttestationLog.open(tmp.resolve("attest.db"));
        Recorder power = new Recorder();
        Clock clock = Clock.systemUTC();
        ActionDispatcher actions = new ActionDispatcher(policy, log, power, NetworkControl.NONE, TaskControl.NONE, clock);
        actions.act(verdict(policy, 1));
        assertThat(power.cycled).containsExactly(HPC);
        log.close(); // the disk is gone: nothing can be made durable
        actions.act(verdict(policy, 1));
        // Before the fix the HPC was power-cycled first and the entry written (or lost) afterwards.
        assertThat(power.cycled).containsExactly(HPC);
    }
}
