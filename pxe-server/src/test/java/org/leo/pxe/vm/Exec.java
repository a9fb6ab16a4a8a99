package org.leo.pxe.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short-lived helper commands (ip, sysctl, the artifact scripts) to completion, with a timeout. */
public final class Exec {
    private Exec() {
    }

    /** Exit code and merged stdout+stderr of a finished command. */
    public record Result(List<String> argv, int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }

        Result check() throws IOException {
            if (exitCode != 0) {
                throw new IOException(String.join(" ", argv) + " exited " + exitCode + ": " + output.strip());
            }
            return this;
        }
    }

    public static Result run(Duration timeout, List<String> argv) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(argv, 127, "cannot start " + argv.get(0) + ": " + e.getMessage());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(p.getInputStream(), out), "exec-out-" + p.pid());
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                reader.join(1000);
                return new Result(argv, 124, "timed out after " + timeout + ": " + out.toString(StandardCharsets.UTF_8));
            }
            reader.join(5000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + argv, e);
        }
        synchronized (out) {
            return new Result(argv, p.exitValue(), out.toString(StandardCharsets.UTF_8));
        }
    }

    public static Result run(Duration timeout, String... argv) throws IOException {
        return run(timeout, List.of(argv));
    }

    public static Result check(String... argv) throws IOException {
        return run(Duration.ofSeconds(30), argv).check();
    }

    /** True if {@code name} is an executable found on PATH (or an absolute executable path). */
    public static boolean onPath(String name) {
        if (name.startsWith("/")) {
            return Files.isExecutable(Path.of(name));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            if (!"Stream closed".equals(e.getMessage())) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
