package org.leo.pxe.vm;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A long-running helper process the harness started (stand-in servers), its output recorded with times. */
public final class ServerProcess {
    private static final Logger LOG = LoggerFactory.getLogger(ServerProcess.class);
    private final String name;
    private final Process process;
    private final LineRecorder output;

    private ServerProcess(String name, Process process, LineRecorder output) {
        this.name = name;
        this.process = process;
        this.output = output;
    }

    /** Starts {@code pb} with stderr merged into stdout, logging to {@code logFile}. */
    public static ServerProcess start(String name, ProcessBuilder pb, Path logFile) throws IOException {
        pb.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        long t0 = System.nanoTime();
        Process p = pb.start();
        LOG.info("{} started, pid {}: {}", name, p.pid(), String.join(" ", pb.command()));
        try {
            return new ServerProcess(name, p, new LineRecorder(name + "-" + p.pid(), p.getInputStream(), logFile, t0));
        } catch (IOException | RuntimeException e) {
            p.destroyForcibly();
            throw e;
        }
    }

    public LineRecorder output() {
        return output;
    }

    /** Waits until a line matches {@code ready}; throws with the output so far if it exits or times out. */
    public void awaitReady(Pattern ready, Duration timeout) throws IOException {
        try {
            Optional<TimedLine> l = output.await(ready, 0, timeout, () -> !process.isAlive());
            if (l.isEmpty()) {
                StringBuilder b = new StringBuilder();
                output.lines().forEach(x -> b.append("\n  ").append(x.text()));
                throw new IOException(name + " not ready within " + timeout + " (alive=" + process.isAlive()
                        + "), output:" + b);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + name, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, by PID: a crash, with no chance to close anything. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.info("{} pid {} killed (SIGKILL)", name, process.pid());
    }

    /** SIGTERM, then SIGKILL after 3 s; by PID only. */
    public void stop() {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(3, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            LOG.info("{} pid {} stopped", name, process.pid());
        }
    }
}
