package org.leo.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the ordinary Debian and JDK tools the build uses (apt-get, dpkg-deb, jlink, xz). */
public final class Processes {
    private Processes() {
    }

    /** Runs {@code command} in {@code dir}; returns its stdout as text. @throws IOException with its stderr if it fails */
    public static String run(Path dir, List<String> command, long timeoutSeconds) throws IOException {
        return new String(output(dir, command, timeoutSeconds), StandardCharsets.UTF_8);
    }

    /** Runs {@code command} in {@code dir}; returns its stdout's bytes. @throws IOException with its stderr if it fails */
    public static byte[] output(Path dir, List<String> command, long timeoutSeconds) throws IOException {
        return output(dir, java.util.Map.of(), command, timeoutSeconds);
    }

    /** As {@link #output(Path, List, long)}, with {@code env} added to the environment (a null value removes the variable). */
    public static byte[] output(Path dir, java.util.Map<String, String> env, List<String> command, long timeoutSeconds) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir == null ? null : dir.toFile());
        pb.environment().put("LC_ALL", "C");
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        Process p = pb.start();
        p.getOutputStream().close();
        byte[][] out = new byte[2][];
        Thread err = new Thread(() -> {
            try {
                out[1] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                out[1] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        err.start();
        out[0] = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            err.join();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            String stderr = new String(out[1], StandardCharsets.UTF_8).strip();
            throw new IOException(String.join(" ", command) + " exited with " + p.exitValue()
                    + (stderr.isEmpty() ? "" : ": " + stderr.lines().reduce((a, b) -> b).orElse("")));
        }
        return out[0];
    }
}
