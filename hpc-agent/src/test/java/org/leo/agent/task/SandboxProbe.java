package org.leo.agent.task;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A stand-in for the agent in a booted test image (appliance {@code DockerImageVmIT}): it runs one
 * task through the {@link Sandbox} on the image's own engine, configured from the agent's properties
 * that {@code leo image build-hpc --with-docker} writes ({@code leo.task.engine},
 * {@code leo.task.exec-root}, {@code leo.task.root}: the defaults of the agent's task options), and prints serial lines for the test:
 * {@code LEO-PROBE-ENGINE}, {@code LEO-PROBE-LOADED}, {@code LEO-PROBE-RESULT}, the result in base64 over
 * {@code LEO-PROBE-B64 i/n} lines, {@code LEO-PROBE-CLEAN}, or {@code LEO-PROBE-FAIL} with the reason.
 *
 * <p>Arguments: the image archive, its id, the code file, then NAME=FILE inputs.
 */
public final class SandboxProbe {
    private SandboxProbe() {
    }

    public static void main(String[] args) {
        try {
            SandboxConfig config = new SandboxConfig(URI.create(System.getProperty("leo.task.engine")),
                    Path.of(System.getProperty("leo.task.root")).resolve("work"), Path.of(System.getProperty("leo.task.exec-root")));
            long t0 = System.nanoTime();
            try (Sandbox sandbox = Sandbox.connect(config)) {
                System.out.println("LEO-PROBE-ENGINE " + config.dockerHost() + " connected in " + ms(t0) + " ms");
                LoadedImage loaded = sandbox.load(Path.of(args[0]), args[1]);
                System.out.println("LEO-PROBE-LOADED " + loaded.id() + " in " + loaded.took().toMillis() + " ms");
                Map<String, byte[]> inputs = new HashMap<>();
                inputs.put("code", Files.readAllBytes(Path.of(args[2])));
                for (String a : List.of(args).subList(3, args.length)) {
                    int eq = a.indexOf('=');
                    inputs.put(a.substring(0, eq), Files.readAllBytes(Path.of(a.substring(eq + 1))));
                }
                Result r = sandbox.run(loaded.id(), List.of("/bin/sh", "/work/code"), inputs, Limits.DEFAULT, Duration.ofSeconds(120));
                byte[] result = r.result().orElse(new byte[0]);
                System.out.println("LEO-PROBE-RESULT exit=" + r.exitCode() + " bytes=" + result.length + " " + r.timings()
                        + (r.result().isEmpty() ? " problem=" + r.resultProblem() : "") + " stderr=" + r.stderr().text().strip().replace('\n', '|'));
                String b64 = Base64.getEncoder().encodeToString(result);
                int n = (b64.length() + 63) / 64;
                for (int i = 0; i < n; i++) {
                    System.out.println("LEO-PROBE-B64 " + (i + 1) + "/" + n + " " + b64.substring(i * 64, Math.min(b64.length(), (i + 1) * 64)));
                }
                CleanReport clean = sandbox.verifyClean(Duration.ofSeconds(30));
                System.out.println("LEO-PROBE-CLEAN " + clean.clean() + " " + clean);
            }
        } catch (Exception | Error e) {
            System.out.println("LEO-PROBE-FAIL " + e);
            System.exit(1);
        }
        System.exit(0);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
