package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.pxe.vm.Exec;

/**
 * The dashboard in a real browser against a real appliance: a fleet of three Pis ({@link LeoFleet}), Pi 1 running
 * {@code leo serve} with its operator port, an operator and a viewer in its users file, and a QEMU (a machine with
 * nothing but its QMP monitor) as HPC 1's power control. HPC 1 is not booted with the fleet: the browser tests
 * ({@code src/test/web}, Playwright over Debian's chromium, run in Pi 1's namespace) ask for its boot once they watch the
 * fleet page, for a tamper (a USB stick) once they watch its page, for a new boot after its key was rotated, and for a restart of Pi 1's {@code leo serve} (over the
 * same data directory, so the session survives) to see the page reconnect; this test does each when asked, through files
 * in {@code LEO_CONTROL}. The browser tests' own assertions decide: this one asserts they all passed. Screenshots are kept
 * under {@code target/playwright/}.
 */
@Tag("system")
class DashboardIT {
    static final int N = 3;
    /** The operator port, in Pi 1's own namespace (the boot server has 8080 there). */
    static final int WEB_PORT = 9080;
    static final List<String> SCHEDULE = FleetIT.SCHEDULE;
    /** Challenges every few seconds, so verdicts (and a tamper's finding) show within the browser tests' waits. */
    static final String POLICY = String.join("\n", "tpm.required=false", "challenge.mean-seconds=4", "challenge.min-seconds=2",
            "challenge.max-seconds=8", "action.critical=record,alert", "");
    static final Path WEB = Path.of("src/test/web").toAbsolutePath();
    static final Path OUT = Path.of("target/playwright").toAbsolutePath();
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Duration BROWSER_TESTS = Duration.ofMinutes(20);
    static final String OPERATOR = "olga";
    static final String VIEWER = "vince";

    @Test
    void theBrowserTestsPassAgainstALiveAppliance() throws Exception {
        LeoFleet.assumeRunnable();
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed: scripts/install-deps");
        Assumptions.assumeTrue(Exec.onPath("npm") && Exec.onPath("npx"), "npm is not installed: scripts/install-deps");
        Assumptions.assumeTrue(Exec.onPath("qemu-system-x86_64"), "qemu-system-x86_64 (HPC 1's power control) is not installed");

        Path run = Files.createTempDirectory("leoq-dashboard-");
        String operatorPassword = "op-" + Long.toHexString(System.nanoTime());
        String viewerPassword = "view-" + Long.toHexString(System.nanoTime());
        Path users = run.resolve("users");
        addUser(users, OPERATOR, "operator", operatorPassword);
        addUser(users, VIEWER, "viewer", viewerPassword);
        Path qmp = run.resolve("qmp.sock");
        Process qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-nodefaults", "-nographic", "-qmp",
                "unix:" + qmp + ",server=on,wait=off").redirectErrorStream(true).redirectOutput(run.resolve("qemu.log").toFile()).start();
        try {
            npmCi();
            String mac = "52:54:00:78:00:01"; // FleetNetwork's HPC 1
            LeoFleet.Setup setup = new LeoFleet.Setup(null, POLICY, Set.of(2, 3),
                    Map.of(1, List.of("--power", mac + "=qemu:" + qmp, "--web-port", Integer.toString(WEB_PORT), "--web-address", "127.0.0.1",
                            "--users", users.toString())),
                    Set.of(1));
            try (LeoFleet fleet = new LeoFleet(Files.createDirectories(run.resolve("fleet")), N, SCHEDULE, setup)) {
                assertThat(fleet.pis[1].hpc().toString()).isEqualTo(mac);
                Path control = Files.createDirectories(run.resolve("control"));
                Map<String, String> env = new LinkedHashMap<>();
                env.put("BASE_URL", "http://127.0.0.1:" + WEB_PORT);
                env.put("LEO_OPERATOR", OPERATOR);
                env.put("LEO_OPERATOR_PASSWORD", operatorPassword);
                env.put("LEO_VIEWER", VIEWER);
                env.put("LEO_VIEWER_PASSWORD", viewerPassword);
                env.put("LEO_HPC", mac);
                env.put("LEO_CONTROL", control.toString());
                env.put("PLAYWRIGHT_OUT", OUT.toString());
                int exit = runBrowserTests(fleet, control, env, run.resolve("playwright.log"));
                assertThat(exit).as("npx playwright test (output above; Pi 1's log: " + fleet.pis[1].dir + ")").isZero();
            }
        } finally {
            qemu.destroy();
            if (!qemu.waitFor(5, TimeUnit.SECONDS)) {
                qemu.destroyForcibly();
            }
        }
        try (var shots = Files.list(OUT)) {
            List<Path> pngs = shots.filter(p -> p.toString().endsWith(".png")).sorted().toList();
            pngs.forEach(p -> System.out.println("screenshot " + p));
            assertThat(pngs).extracting(p -> p.getFileName().toString()).contains("fleet.png", "hpc.png", "phone-fleet.png");
        }
    }

    /** {@code leo user add NAME --role ROLE --password-stdin --users FILE}. */
    static void addUser(Path users, String name, String role, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString(), "user", "add", name, "--role", role,
                "--password-stdin", "--users", users.toString()).redirectErrorStream(true).start();
        p.getOutputStream().write((password + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("leo user add " + name + ": " + out).isTrue();
    }

    /**
     * Installs the browser tests' packages from the committed lock: from npm's cache when it has them (the lock names
     * each tarball and its hash, so no registry metadata is needed, and no network), else from the registry.
     */
    static void npmCi() throws IOException {
        Exec.Result r = Exec.run(Duration.ofMinutes(5), "sh", "-c", "cd '" + WEB + "' && npm ci --prefer-offline --no-audit --no-fund");
        assertThat(r.exitCode()).as("npm ci in " + WEB + ": " + r.output()).isZero();
    }

    /**
     * Runs {@code npx playwright test} in Pi 1's namespace (where the operator port listens on 127.0.0.1), booting HPC 1,
     * tampering with it and restarting Pi 1's appliance when the tests ask; returns its exit code, having printed its output.
     */
    static int runBrowserTests(LeoFleet fleet, Path control, Map<String, String> env, Path log) throws Exception {
        Files.createDirectories(OUT);
        try (var old = Files.list(OUT)) {
            for (Path p : old.filter(p -> p.toString().endsWith(".png")).toList()) {
                Files.delete(p);
            }
        }
        List<String> argv = new ArrayList<>(fleet.net.inNs(fleet.net.piNs(1), "npx", "playwright", "test"));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(WEB.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        Instant deadline = Instant.now().plus(BROWSER_TESTS);
        boolean booted = false;
        boolean tampered = false;
        boolean restarted = false;
        boolean rebooted = false;
        try {
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the browser tests did not finish within " + BROWSER_TESTS + "; output so far:\n" + Files.readString(log));
                }
                if (!booted && Files.exists(control.resolve("boot"))) {
                    booted = true;
                    System.out.println("DashboardIT: the browser asked for HPC 1's boot");
                    fleet.bootAgentHpc(1);
                }
                if (!tampered && Files.exists(control.resolve("tamper"))) {
                    tampered = true;
                    System.out.println("DashboardIT: the browser asked for a tamper: USB stick plugged into HPC 1");
                    fleet.hpcs[1].plugUsbStick();
                }
                if (!rebooted && Files.exists(control.resolve("reboot"))) {
                    rebooted = true;
                    System.out.println("DashboardIT: the browser asked for a new boot of HPC 1 (its agent again, with a new key)");
                    fleet.rebootAgentHpc(1);
                }
                if (!restarted && Files.exists(control.resolve("restart"))) {
                    restarted = true;
                    System.out.println("DashboardIT: the browser asked for a restart: Pi 1's leo serve stopped (SIGTERM) and started again");
                    fleet.pis[1].process.stop();
                    fleet.pis[1].start(fleet.run.resolve("boot"), fleet.run.resolve("boot.manifest"), fleet.run.resolve("keys/boot-manifest.pub"),
                            fleet.run.resolve("policy.properties"), fleet.run.resolve("fleet-peers"));
                }
            }
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroy);
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            System.out.println(Files.readString(log));
        }
        return p.exitValue();
    }
}
