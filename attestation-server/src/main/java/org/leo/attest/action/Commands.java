package org.leo.attest.action;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external command (ipmitool, ip) with a timeout; a non-zero exit is an {@link IOException} with its output. */
final class Commands {
    static final long TIMEOUT_SECONDS = 30;
    static final int MAX_OUTPUT = 4096;

    private Commands() {
    }

    static String run(List<String> command) throws IOException {
        return run(command, null);
    }

    /** Runs {@code command} with {@code stdin} (may be null) as its standard input. */
    static String run(List<String> command, String stdin) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.get(0) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        byte[] out = p.getInputStream().readNBytes(MAX_OUTPUT);
        String text = new String(out, StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException(command.get(0) + " exited with status " + p.exitValue() + ": " + text);
        }
        return text;
    }
}
