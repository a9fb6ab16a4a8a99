package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.leo.pxe.vm.Exec;

/**
 * The demo world (scripts/demo's DemoWorld) as a user runs it, in its quick form (DEMO_HPC=agent: Pi 1's HPC is a crafted
 * agent, no image and no VM): it comes up, prints the dashboard's URL and login, the forwarded dashboard answers on the
 * host and shows the HPC attested; then Ctrl-C (SIGINT) tears everything down: no leoq-* namespace, none of its processes,
 * no mount of its run directory, and the run directory itself are left.
 */
class DemoIT {
    private static final Pattern LOGIN = Pattern.compile("dashboard\\s+(http://127\\.0\\.0\\.1:\\d+/)\\s+user: (\\S+)\\s+password: (\\S+)");
    private static final Pattern RUN = Pattern.compile("demo: run directory (\\S+)");

    @Test
    void theDemoComesUpShowsAnAttestedHpcAndCtrlCLeavesNothingBehind() throws Exception {
        LeoFleet.assumeRunnable();
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path out = Files.createTempFile("leo-demo-it-", ".out");
        List<String> argv = new ArrayList<>(List.of("java", "-Dleo.jar=" + LeoPxeServer.JAR.toAbsolutePath(),
                "-Dleo.test.vm.scripts=" + System.getProperty("leo.test.vm.scripts", ""), "-cp", System.getProperty("java.class.path"),
                DemoWorld.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().put("DEMO_HPC", "agent");
        pb.environment().put("DEMO_PORT", Integer.toString(port));
        Process demo = pb.start();
        try {
            Matcher login = await(demo, out, LOGIN, Duration.ofMinutes(10));
            String text = Files.readString(out, StandardCharsets.UTF_8);
            System.out.print(text);
            Matcher run = RUN.matcher(text);
            assertThat(run.find()).isTrue();
            Path runDir = Path.of(run.group(1));
            assertThat(text).contains("demo: [5/5]").contains("try:  scripts/demo tamper usb");

            // the dashboard, forwarded to the host, shows the HPC attested
            HttpClient http = HttpClient.newHttpClient();
            String auth = "Basic " + Base64.getEncoder().encodeToString((login.group(2) + ":" + login.group(3)).getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> hpcs = http.send(HttpRequest.newBuilder(URI.create(login.group(1) + "api/hpcs")).header("Authorization", auth)
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(hpcs.statusCode()).isEqualTo(200);
            assertThat(hpcs.body()).contains("\"mac\":\"52:54:00:78:00:01\"").contains("\"stage\":\"ATTESTED\"");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(login.group(1))).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).containsIgnoringCase("<html");

            // Ctrl-C: everything it started stops, and what it made goes
            List<ProcessHandle> started = demo.descendants().toList();
            assertThat(started).as("anvil, swtpms, appliances, agents, socat").hasSizeGreaterThanOrEqualTo(10);
            System.out.println("demo processes before Ctrl-C: " + started.size());
            assertThat(Exec.run(Duration.ofSeconds(10), "kill", "-INT", Long.toString(demo.pid())).exitCode()).isZero();
            assertThat(demo.waitFor(3, TimeUnit.MINUTES)).as("the demo stops within 3 minutes of Ctrl-C").isTrue();
            String after = Files.readString(out, StandardCharsets.UTF_8);
            System.out.print(after.substring(text.length()));
            assertThat(after).contains("demo: stopped; nothing left running");
            for (ProcessHandle h : started) {
                assertThat(h.isAlive()).as("process " + h.pid() + " " + h.info().commandLine().orElse("")).isFalse();
            }
            assertThat(Exec.run(Duration.ofSeconds(10), "ip", "netns", "list").output()).doesNotContain("leoq-");
            assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(runDir.toString()).doesNotContain("/run/netns/leoq-");
            assertThat(runDir).doesNotExist();
            assertThat(DemoWorld.LINK).doesNotExist();
        } finally {
            if (demo.isAlive()) {
                demo.descendants().forEach(ProcessHandle::destroyForcibly);
                demo.destroyForcibly();
            }
        }
    }

    private static Matcher await(Process p, Path out, Pattern pattern, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(Files.readString(out, StandardCharsets.UTF_8));
            if (m.find()) {
                return m;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the demo exited " + p.exitValue() + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
            }
            p.waitFor(200, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("no '" + pattern + "' within " + timeout + ":\n" + Files.readString(out, StandardCharsets.UTF_8));
    }
}
