package org.leo.protocol.tpm;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.leo.boot.testing.ChildProcess;

/**
 * A private swtpm for one test: {@code swtpm socket --tpm2} on two free loopback ports (server P,
 * control P+1) over a fresh state directory, started in the foreground as a child of the test JVM
 * and stopped by its PID. Ready when {@code swtpm_ioctl --tcp 127.0.0.1:P+1 -g} answers.
 * {@link #restart()} stops it and starts a new process over the same state (a TPM reset: the
 * owner seed stays, resetCount grows). {@link #close()} stops it and deletes the state.
 *
 * <p>swtpm takes one client connection at a time and has no resource manager: close a
 * {@link Tpm} before running tpm2-tools against the same swtpm.
 */
public final class SwtpmProcess implements AutoCloseable {
    /** Startup of swtpm is well under a second; this only bounds a broken installation. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
    private static final int PORT_ATTEMPTS = 20;

    private final Path baseDir;
    private final List<String> prefix;
    private final Path stateDir;
    private final Path log;
    private Process process;
    private int port;

    private SwtpmProcess(Path baseDir, List<String> prefix) {
        this.baseDir = baseDir;
        this.prefix = List.copyOf(prefix);
        this.stateDir = baseDir.resolve("state");
        this.log = baseDir.resolve("swtpm.log");
    }

    /** Whether {@code swtpm} and {@code swtpm_ioctl} are on the PATH. */
    public static boolean installed() {
        return onPath("swtpm") && onPath("swtpm_ioctl");
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(File.pathSeparator)).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    /** Starts a swtpm with a new, empty state (manufactured on first start). */
    public static SwtpmProcess start() throws IOException {
        return startWith(List.of());
    }

    /**
     * Starts a swtpm with a new state, run (with its readiness probe) under {@code prefix}: for
     * example {@code ip netns exec NS}, so that it listens on that namespace's loopback.
     */
    public static SwtpmProcess startWith(List<String> prefix) throws IOException {
        SwtpmProcess swtpm = new SwtpmProcess(Files.createTempDirectory("leo-swtpm-"), prefix);
        try {
            Files.createDirectories(swtpm.stateDir);
            swtpm.launch();
            return swtpm;
        } catch (IOException | RuntimeException e) {
            swtpm.close();
            throw e;
        }
    }

    /** Writes a TPM state into an empty state directory before swtpm first starts on it. */
    public interface StateWriter {
        void write(Path stateDir) throws IOException;
    }

    /**
     * Starts a swtpm over a state that {@code manufacturer} writes first, for example
     * {@link LocalCa#manufacture(Path)}: a TPM with EK certificates from a test CA.
     */
    public static SwtpmProcess startManufactured(StateWriter manufacturer) throws IOException {
        SwtpmProcess swtpm = new SwtpmProcess(Files.createTempDirectory("leo-swtpm-"), List.of());
        try {
            Files.createDirectories(swtpm.stateDir);
            manufacturer.write(swtpm.stateDir);
            swtpm.launch();
            return swtpm;
        } catch (IOException | RuntimeException e) {
            swtpm.close();
            throw e;
        }
    }

    public TpmEndpoint.Swtpm endpoint() {
        return new TpmEndpoint.Swtpm("127.0.0.1", port);
    }

    public int port() {
        return port;
    }

    public int ctrlPort() {
        return port + 1;
    }

    /** The tpm2-tools TCTI for this swtpm (for {@code TPM2TOOLS_TCTI}). */
    public String tcti() {
        return "swtpm:host=127.0.0.1,port=" + port;
    }

    public long pid() {
        return process.pid();
    }

    public Path stateDir() {
        return stateDir;
    }

    /** Stops this swtpm (by PID) and starts a new one over the same state directory. */
    public void restart() throws IOException {
        stop();
        launch();
    }

    /** Stops the process (SIGTERM, SIGKILL after 10 s); the state stays until {@link #close()}. */
    public void stop() {
        Process p = process;
        process = null;
        if (p == null) {
            return;
        }
        ChildProcess.stop(p);
    }

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(baseDir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // a temp directory we could not delete is left to the OS
        }
    }

    private void launch() throws IOException {
        String last = "no attempt";
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int p = LoopbackPorts.freePair();
            if (p < 0) {
                continue;
            }
            List<String> command = prefixed("swtpm", "socket", "--tpm2",
                    "--tpmstate", "dir=" + stateDir,
                    "--server", "type=tcp,port=" + p + ",bindaddr=127.0.0.1",
                    "--ctrl", "type=tcp,port=" + (p + 1) + ",bindaddr=127.0.0.1",
                    "--flags", "not-need-init,startup-clear",
                    "--pid", "file=" + stateDir.resolve("pid"));
            Process started = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (waitReady(started, p)) {
                process = started;
                port = p;
                return;
            }
            last = "swtpm on ports " + p + "/" + (p + 1) + " did not become ready: " + logTail();
            started.destroyForcibly();
            try {
                started.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while starting swtpm", e);
            }
        }
        throw new IOException("could not start swtpm in " + PORT_ATTEMPTS + " attempts; last: " + last);
    }

    private List<String> prefixed(String... command) {
        List<String> all = new java.util.ArrayList<>(prefix);
        all.addAll(List.of(command));
        return all;
    }

    private boolean waitReady(Process started, int p) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!started.isAlive()) {
                return false;
            }
            Process probe = new ProcessBuilder(prefixed("swtpm_ioctl", "--tcp", "127.0.0.1:" + (p + 1), "-g"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                if (probe.waitFor(5, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return true;
                }
                probe.destroyForcibly();
                Thread.sleep(20);
            } catch (InterruptedException e) {
                probe.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for swtpm", e);
            }
        }
        return false;
    }

    private String logTail() {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return "SwtpmProcess[" + endpoint() + ", pid " + (process == null ? "-" : process.pid()) + "]";
    }
}
