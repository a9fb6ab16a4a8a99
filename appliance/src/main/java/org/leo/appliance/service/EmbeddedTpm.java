package org.leo.appliance.service;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pi's TPM when none is configured: the kernel's resource manager {@code /dev/tpmrm0} if there is one, else a
 * software TPM (swtpm) this appliance runs itself, over a state kept in DATA-DIR/{@value #DIR}, so the appliance's TPM
 * identity (its attestation key, which the fleet's peer list pins) survives restarts. swtpm listens on two free loopback
 * ports; its PID file lets the next start stop a swtpm a killed appliance left behind (it holds the state's lock).
 * A software TPM protects nothing against root on the Pi: it stands in for the hardware on a development machine, and
 * the start-up banner says so.
 */
public final class EmbeddedTpm implements AutoCloseable {
    public static final String DIR = "swtpm";
    static final Path DEVICE = Path.of("/dev/tpmrm0");
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedTpm.class);
    private static final Duration READY = Duration.ofSeconds(10);

    private final Process process;
    private final int port;
    private final Path state;

    private EmbeddedTpm(Process process, int port, Path state) {
        this.process = process;
        this.port = port;
        this.state = state;
    }

    /** What {@code --tpm} names when it is not given: the device, a swtpm this starts, or nothing (no swtpm installed). */
    public record Choice(Optional<String> endpoint, Optional<EmbeddedTpm> started, String banner) { }

    public static Choice choose(Path dataDir, Path device) throws IOException {
        if (Files.exists(device)) {
            return new Choice(Optional.of("device:" + device), Optional.empty(), "device:" + device + " (found; no --tpm given)");
        }
        if (!onPath("swtpm")) {
            return new Choice(Optional.empty(), Optional.empty(), "none: no " + device + " and no swtpm installed (reports are not signed)");
        }
        EmbeddedTpm t = start(dataDir.resolve(DIR));
        return new Choice(Optional.of("swtpm:127.0.0.1:" + t.port), Optional.of(t),
                "swtpm, started by this appliance on 127.0.0.1:" + t.port + ", state " + t.state
                        + " (no " + device + "; a software TPM stands in for the Pi's: development use only)");
    }

    /** Whether {@link #choose} finds a TPM here: the device, or swtpm to start. */
    public static boolean available() {
        return Files.exists(DEVICE) || onPath("swtpm");
    }

    public static Choice choose(Path dataDir) throws IOException {
        return choose(dataDir, DEVICE);
    }

    static EmbeddedTpm start(Path state) throws IOException {
        Files.createDirectories(state);
        stopLeftOver(state.resolve("pid"));
        String last = "";
        for (int attempt = 0; attempt < 5; attempt++) {
            int p = org.leo.protocol.tpm.LoopbackPorts.freePair();
            if (p < 0) {
                continue;
            }
            Process proc = new ProcessBuilder("swtpm", "socket", "--tpm2", "--tpmstate", "dir=" + state,
                    "--server", "type=tcp,port=" + p + ",bindaddr=127.0.0.1", "--ctrl", "type=tcp,port=" + (p + 1) + ",bindaddr=127.0.0.1",
                    "--flags", "not-need-init,startup-clear", "--pid", "file=" + state.resolve("pid"))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("swtpm.log").toFile())).start();
            if (awaitListening(proc, p)) {
                LOG.info("swtpm (pid {}) serves this appliance's TPM on 127.0.0.1:{}, state {}", proc.pid(), p, state);
                return new EmbeddedTpm(proc, p, state);
            }
            proc.destroyForcibly();
            last = Files.exists(state.resolve("swtpm.log")) ? tail(Files.readString(state.resolve("swtpm.log"), StandardCharsets.UTF_8)) : "";
        }
        throw new IOException("could not start swtpm over " + state + ": " + last);
    }

    /** A swtpm whose PID file is in our state directory and that still runs is one a killed appliance left: stop it. */
    private static void stopLeftOver(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.US_ASCII).strip());
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent() && h.get().info().command().map(c -> c.endsWith("/swtpm") || c.equals("swtpm")).orElse(false)) {
                LOG.warn("stopping swtpm pid {}, left running over {} by an appliance that did not stop cleanly", pid, pidFile.getParent());
                h.get().destroy();
                h.get().onExit().get(10, TimeUnit.SECONDS);
            }
        } catch (NumberFormatException | java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("swtpm PID file {}: {}", pidFile, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        Files.deleteIfExists(pidFile);
    }

    private static boolean awaitListening(Process proc, int port) throws IOException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (System.nanoTime() < deadline && proc.isAlive()) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port + 1), 200);
                return true;
            } catch (IOException notYet) {
                try {
                    proc.waitFor(50, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while starting swtpm", e);
                }
            }
        }
        return false;
    }


    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String tail(String s) {
        return s.length() > 1000 ? s.substring(s.length() - 1000) : s;
    }

    public long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
