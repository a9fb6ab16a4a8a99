package org.leo.boot.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The crash harness of the durable stores' tests: a child JVM appends and prints each sequence
 * number once its append was acknowledged (durable); after {@code killAfter} lines the child gets
 * SIGKILL (no shutdown hook, no close(): what a power cut or the OOM killer does to the JVM). The
 * caller then reopens the store and checks that every acknowledged number is there.
 */
public final class KillMinus9 {
    /** How long the killed child may take to go. */
    private static final long EXIT_SECONDS = 30;

    private KillMinus9() {
    }

    /** Runs {@code main} with {@code args} on this test's class path; returns every number it acknowledged before it died. */
    public static List<Long> acknowledgedBeforeKill(Class<?> main, int killAfter, String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<Long> acked = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                acked.add(Long.parseLong(line.trim()));
                if (acked.size() == killAfter) {
                    // SIGKILL (ProcessHandle does not close our end of the pipe, Process.destroy would):
                    // the numbers still in the pipe were acknowledged too
                    child.toHandle().destroyForcibly();
                }
            }
        } finally {
            child.destroyForcibly();
            if (!child.waitFor(EXIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the child did not die within " + EXIT_SECONDS + " s of SIGKILL");
            }
        }
        if (child.exitValue() != 137) {
            throw new IllegalStateException("the child exited with " + child.exitValue() + " after " + acked.size()
                    + " acknowledgements, not 137 (SIGKILL)");
        }
        if (acked.size() < killAfter) {
            throw new IllegalStateException("the child acknowledged only " + acked.size() + " of " + killAfter + " before it ended");
        }
        return acked;
    }
}
