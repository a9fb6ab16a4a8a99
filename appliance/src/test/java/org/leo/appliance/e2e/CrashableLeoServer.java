package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.leo.pxe.PxeConfig;
import org.leo.boot.events.BootEvent;
import org.leo.pxe.dhcp.Lease;
import org.leo.pxe.dhcp.LeaseStore;
import org.leo.boot.events.LoggedEvent;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsHost;

/**
 * The packaged {@code leo pxe serve} as a process the test can crash: started in the server
 * namespace over a fixed boot root, manifest, key and data directory, it can be killed with SIGKILL
 * (no shutdown hook, no flush: what a power cut or OOM kill does to the JVM) or stopped with
 * SIGTERM, and started again over the same data directory. {@code ip netns exec} execs, so the
 * {@link Process} is the java process itself and the signals reach the JVM, not a wrapper.
 * Every incarnation appends its output to one log file, so the log tells the whole story.
 */
final class CrashableLeoServer implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final NetNsHost pi;
    private final Path runDir;
    private final Path bootRoot;
    private final List<String> options;
    private final Path log;
    private final Path manifest;
    private final ManifestTool.KeyFiles keys;
    private final List<String> command;
    private final String ready;
    private Process process;
    private int incarnation;

    /** Signs a manifest over {@code bootRoot} with a fresh key; {@code options} are passed to every start. */
    CrashableLeoServer(NetNsHost pi, Path runDir, Path bootRoot, List<String> options) throws IOException {
        this(pi, runDir, bootRoot, List.of("pxe", "serve"), options);
    }

    /** As {@code leo COMMAND} ({@code pxe serve} or {@code serve}). */
    CrashableLeoServer(NetNsHost pi, Path runDir, Path bootRoot, List<String> command, List<String> options) throws IOException {
        this.command = List.copyOf(command);
        this.ready = "leo " + String.join(" ", command) + ": ready";
        this.pi = pi;
        this.runDir = runDir;
        this.bootRoot = bootRoot;
        this.options = List.copyOf(options);
        Files.createDirectories(runDir);
        this.log = runDir.resolve("leo.log");
        this.keys = ManifestTool.generateKeyPair(runDir.resolve("keys"));
        this.manifest = runDir.resolve("boot.manifest");
        ManifestTool.create(bootRoot, keys.privateKey(), manifest, "crash-restart-test");
    }

    /** The output of every incarnation so far. */
    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    Path dataDir() {
        return runDir.resolve("data");
    }

    /** Starts an incarnation and waits for its ready line; returns how long that took. */
    Duration start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running, pid " + process.pid());
        }
        List<String> argv = new ArrayList<>(List.of("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString()));
        argv.addAll(command);
        argv.addAll(List.of("--interface", pi.ifName(), "--address", pi.address(),
                "--boot-root", bootRoot.toString(), "--manifest", manifest.toString(),
                "--public-key", keys.publicKey().toString(), "--data-dir", dataDir().toString()));
        argv.addAll(options);
        incarnation++;
        Files.writeString(log, "==== incarnation " + incarnation + ": " + String.join(" ", argv) + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long readyBefore = readyLines();
        long t0 = System.nanoTime();
        process = pi.processBuilder(argv.toArray(String[]::new)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        long deadline = t0 + READY_TIMEOUT.toNanos();
        while (readyLines() <= readyBefore) {
            if (!process.isAlive()) {
                throw new IOException("leo " + String.join(" ", command) + " exited " + process.exitValue() + " before ready; log:\n" + logText());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("leo " + String.join(" ", command) + " not ready within " + READY_TIMEOUT + "; log:\n" + logText());
            }
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    long pid() {
        return process.pid();
    }

    /** What the kernel says the process is (to show the signal goes to java, not to ip-netns). */
    String describe() {
        ProcessHandle.Info info = process.info();
        return "pid " + process.pid() + " " + info.command().orElse("?");
    }

    /** SIGKILL by PID, then waits for the process to be gone; returns its exit code (137). */
    int kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL for 10 s");
        }
        return process.exitValue();
    }

    /** SIGTERM by PID; waits up to {@code timeout} for a clean exit and returns the exit code. */
    Optional<Integer> terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        return awaitExit(timeout);
    }

    /** SIGINT by PID (what Ctrl-C in a terminal sends); waits up to {@code timeout} and returns the exit code. */
    Optional<Integer> interrupt(Duration timeout) throws IOException, InterruptedException {
        Exec.check("kill", "-INT", Long.toString(process.pid()));
        return awaitExit(timeout);
    }

    private Optional<Integer> awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return Optional.empty();
        }
        return Optional.of(process.exitValue());
    }

    /** The lease table as it is on disk (opened read-write by SQLite, but only read here). */
    List<Lease> leasesOnDisk() {
        try (LeaseStore store = LeaseStore.open(dataDir().resolve(PxeConfig.LEASES_FILE))) {
            return store.all();
        }
    }

    Optional<Lease> leaseOnDisk(MacAddress mac) {
        return leasesOnDisk().stream().filter(l -> l.mac().equals(mac)).findFirst();
    }

    /** Every event in the boot event log, oldest first. */
    List<BootEvent> events() throws Exception {
        try (SqliteBootEventLog events = SqliteBootEventLog.open(dataDir().resolve(PxeConfig.EVENTS_FILE))) {
            return events.since(0, SqliteBootEventLog.MAX_QUERY_ROWS).stream().map(LoggedEvent::event).toList();
        }
    }

    /** {@code leo pxe events --data-dir DIR [--mac MAC]}: what an operator would run, through the packaged CLI. */
    String eventsCli(Optional<MacAddress> mac) throws IOException {
        List<String> argv = new ArrayList<>(List.of("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString(),
                "pxe", "events", "--data-dir", dataDir().toString(), "--limit", "1000"));
        mac.ifPresent(m -> argv.addAll(List.of("--mac", m.toString())));
        Exec.Result r = Exec.run(Duration.ofSeconds(60), argv);
        if (r.exitCode() != 0) {
            throw new IOException("leo pxe events exited " + r.exitCode() + ": " + r.output());
        }
        return r.output();
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private long readyLines() throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        try (var lines = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            return lines.filter(l -> l.contains(ready)).count();
        }
    }

    /** Stops a still-running incarnation: SIGTERM, then SIGKILL; by PID only. */
    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
