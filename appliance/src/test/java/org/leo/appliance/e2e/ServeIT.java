package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.appliance.service.Audit;
import org.leo.appliance.service.Users;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.boot.manifest.ManifestTool;
import org.leo.pxe.vm.Exec;

/**
 * {@code leo serve} as operators and Prometheus see it, on loopback, with the packaged jar: readiness goes from DOWN to
 * UP while the parts start; /metrics parses with Prometheus' own parser (promtool) and the official Python client's,
 * and counts what was served; /api answers by role (401 without a login, 403 for a viewer's action) and audits logins
 * and actions into a hash chain that verifies; the dashboard's form login gives an HttpOnly, SameSite=Strict session;
 * password guessing is throttled; the live feed streams boot events; SIGTERM stops it with status 0 and no stack
 * trace; a command other than {@code serve} opens no port of its own. Prints the time to ready and the RSS.
 */
class ServeIT {
    private static final Path JAR = LeoPxeServer.JAR.toAbsolutePath();
    private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1");
    private static final Pattern PORT = Pattern.compile("leo serve: operator port http://127\\.0\\.0\\.1:(\\d+)/");
    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    private Path bootRoot;
    private ManifestTool.KeyFiles keys;
    private Path manifest;
    private Path users;

    private void setUp() throws Exception {
        bootRoot = Files.createDirectories(dir.resolve("boot"));
        Files.write(bootRoot.resolve("vmlinuz"), new byte[200_000]);
        Files.write(bootRoot.resolve("initrd.img"), new byte[300_000]);
        keys = ManifestTool.generateKeyPair(dir.resolve("keys"));
        manifest = dir.resolve("boot.manifest");
        ManifestTool.create(bootRoot, keys.privateKey(), manifest, "serve-it");
        users = dir.resolve("users");
        Users.put(users, "olga", Set.of("operator", "viewer"), "olga-password".toCharArray());
        Users.put(users, "alice", Set.of("viewer"), "alice-password".toCharArray());
        Files.writeString(dir.resolve("leo.properties"), "# ServeIT's configuration (LEO_CONFIG), not the machine's /etc/leo\n");
    }

    /** A started {@code leo serve}: its process, output files, ports and when it was forked. */
    record Serve(Process process, Path out, Path err, int webPort, int httpPort, long forkedNanos) {
        String base() {
            return "http://127.0.0.1:" + webPort;
        }
    }

    private Serve serve(String... extra) throws Exception {
        int httpPort = freePort();
        List<String> argv = new ArrayList<>(List.of("java"));
        argv.addAll(JVM);
        argv.addAll(List.of("-jar", JAR.toString(), "serve", "--no-ra", "--address", "127.0.0.1", "--tftp-port", "0",
                "--http-port", Integer.toString(httpPort), "--boot-mode", "http", "--web-port", "0", "--web-address", "127.0.0.1",
                "--boot-root", bootRoot.toString(), "--manifest", manifest.toString(), "--public-key", keys.publicKey().toString(),
                "--data-dir", dir.resolve("data").toString(), "--users", users.toString()));
        argv.addAll(List.of(extra));
        if (!List.of(extra).contains("--dhcp-port")) {
            argv.add("--no-dhcp");
        }
        Path out = dir.resolve("serve-" + started.size() + ".out");
        Path err = dir.resolve("serve-" + started.size() + ".err");
        long forked = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("LEO_CONFIG", dir.resolve("leo.properties").toString());
        Process p = pb.start();
        started.add(p);
        Matcher m = awaitLine(p, out, err, PORT);
        return new Serve(p, out, err, Integer.parseInt(m.group(1)), httpPort, forked);
    }

    private static Matcher awaitLine(Process p, Path out, Path err, Pattern pattern) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = pattern.matcher(Files.readString(out));
            if (m.find()) {
                return m;
            }
            if (!p.isAlive()) {
                throw new AssertionError("leo serve exited " + p.exitValue() + " before '" + pattern + "':\n" + Files.readString(out) + Files.readString(err));
            }
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("no '" + pattern + "' within " + START + ":\n" + Files.readString(out) + Files.readString(err));
    }

    private static int freePort() throws IOException {
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private HttpResponse<String> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String url, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readinessMetricsRolesAuditLiveFeedAndACleanStop() throws Exception {
        setUp();
        Serve s = serve(); // with the default warm-up: the parts take seconds to start, readiness says so meanwhile

        // readiness: DOWN ("starting") until every part runs, then UP; liveness answers throughout
        boolean sawDown = false;
        long readyNanos = 0;
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(s.base() + "/q/health/ready");
            if (r.statusCode() == 503) {
                assertThat(r.body()).contains("\"status\": \"DOWN\"").contains("starting");
                sawDown = true;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
                readyNanos = System.nanoTime();
                assertThat(r.body()).contains("\"name\": \"pxe\"").contains("\"name\": \"attestation\"").contains("\"name\": \"consensus\"")
                        .contains("\"name\": \"ledger\"").doesNotContain("DOWN");
                break;
            }
            assertThat(get(s.base() + "/q/health/live").statusCode()).isEqualTo(200);
            s.process().waitFor(50, TimeUnit.MILLISECONDS);
        }
        assertThat(readyNanos).as("readiness UP within " + START).isPositive();
        assertThat(sawDown).as("readiness was DOWN while the parts started (warm-up)").isTrue();
        System.out.printf("leo serve (with warm-up): ready %d ms after fork%n", TimeUnit.NANOSECONDS.toMillis(readyNanos - s.forkedNanos()));

        // roles: nothing without a login; a viewer reads, an operator acts; a wrong password is refused
        assertThat(get(s.base() + "/api/hpcs").statusCode()).isEqualTo(401);
        HttpResponse<String> hpcs = get(s.base() + "/api/hpcs", "Authorization", basic("alice", "alice-password"));
        assertThat(hpcs.statusCode()).isEqualTo(200);
        assertThat(hpcs.body()).isEqualTo("[]");
        assertThat(post(s.base() + "/api/hpcs/52:54:00:00:00:01/power-cycle", "", "Authorization", basic("alice", "alice-password")).statusCode())
                .isEqualTo(403);
        HttpResponse<String> unknown = post(s.base() + "/api/hpcs/52:54:00:00:00:01/power-cycle", "", "Authorization", basic("olga", "olga-password"));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("not served by this appliance");
        assertThat(post(s.base() + "/api/hpcs/not-a-mac/quarantine", "", "Authorization", basic("olga", "olga-password")).statusCode()).isEqualTo(400);
        assertThat(get(s.base() + "/api/hpcs", "Authorization", basic("alice", "wrong-password")).statusCode()).isEqualTo(401);

        // the dashboard's login: a session cookie the script on the page cannot read, sent only to this site
        HttpResponse<String> login = post(s.base() + "/j_security_check", "j_username=olga&j_password=olga-password",
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(login.statusCode()).isEqualTo(200);
        String cookie = login.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("quarkus-credential=")).findFirst().orElseThrow();
        assertThat(cookie).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
        HttpResponse<String> me = get(s.base() + "/api/me", "Cookie", cookie.substring(0, cookie.indexOf(';')));
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"user\":\"olga\"").contains("operator");

        // the live feed: a file served by the boot server arrives as a boot event
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        CompletableFuture<HttpResponse<Stream<String>>> feed = http.sendAsync(HttpRequest.newBuilder(URI.create(s.base() + "/api/events"))
                .header("Authorization", basic("alice", "alice-password")).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines());
        HttpResponse<Stream<String>> stream = feed.get(20, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        Thread reader = new Thread(() -> stream.body().filter(l -> l.startsWith("data:")).forEach(events::add), "sse-reader");
        reader.setDaemon(true);
        reader.start();
        HttpResponse<byte[]> kernel = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + "/vmlinuz")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(kernel.statusCode()).isEqualTo(200);
        assertThat(kernel.body()).hasSize(200_000);
        String event = awaitEvent(events, "\"kind\":\"boot\"");
        assertThat(event).contains("\"stage\":\"FILE_SERVED\"").contains("\"file\":\"vmlinuz\"");

        // metrics: Prometheus' own parser accepts the page; the Python client's parser reads our counters from it
        String metrics = awaitMetric(s, "leo_boot_bytes_total{protocol=\"http\",}");
        Map<String, Double> values = PrometheusText.parse(metrics);
        assertThat(values.get("leo_boot_stage_total{stage=\"file_served\"}")).isGreaterThanOrEqualTo(1.0);
        assertThat(values.get("leo_boot_bytes_total{protocol=\"http\"}")).isGreaterThanOrEqualTo(200_000.0);
        assertThat(values.get("leo_http_bytes_sent_total")).isGreaterThanOrEqualTo(200_000.0);
        assertThat(values).containsKey("leo_hpcs{stage=\"attested\"}").containsKey("leo_boot_files_served_total{protocol=\"HTTP\"}")
                .containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"Tenured Gen\"}");
        PrometheusText.Check check = PrometheusText.promtool(metrics, dir);
        System.out.println("promtool check metrics: exit " + check.exitCode() + ", " + check.output().lines().count() + " lint line(s)");
        assertThat(check.exitCode()).as(check.output()).isIn(0, 3); // 3: lint only (Micrometer's JVM meters have no help text, ...)
        assertThat(check.output()).doesNotContain("parsing error");

        // guessing: after five wrong passwords in a minute, even the right one is refused (the source is throttled)
        for (int i = 0; i < 5; i++) {
            assertThat(get(s.base() + "/api/hpcs", "Authorization", basic("alice", "guess-" + i)).statusCode()).isEqualTo(401);
        }
        assertThat(get(s.base() + "/api/hpcs", "Authorization", basic("alice", "alice-password")).statusCode()).isEqualTo(401);

        long rss = rssKib(s.process().pid());
        System.out.printf("leo serve: RSS %d MiB after the checks above (%s)%n", rss / 1024, String.join(" ", JVM));

        // SIGHUP (systemctl reload) does not stop it
        assertThat(Exec.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(s.process().pid())).exitCode()).isZero();
        awaitLine(s.process(), s.out(), s.err(), Pattern.compile("leo serve: SIGHUP: "));
        assertThat(get(s.base() + "/q/health/live").statusCode()).isEqualTo(200);

        // SIGTERM: a clean stop, status 0, no stack trace
        s.process().destroy();
        assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = Files.readString(s.err());
        assertThat(s.process().exitValue()).as(err).isZero();
        assertThat(err).doesNotContain("Exception");
        assertThat(Files.readString(s.out())).contains("leo serve: stopping on SIGTERM");

        // the audit trail: logins, the refused login, the refused actions are not audited (they were refused before the
        // resource ran) but the 404 was neither; the chain verifies
        Path audit = dir.resolve("data").resolve(Audit.FILE);
        assertThat(AttestationLog.verify(audit).break_()).isEmpty();
        try (AttestationLog log = AttestationLog.open(audit)) {
            List<String> ids = log.since(-1, 1000).stream().map(ChainedEntry::entry).map(e -> e.eventId() + " " + e.message()).toList();
            assertThat(ids).anyMatch(l -> l.startsWith("audit.login operator olga login"))
                    .anyMatch(l -> l.startsWith("audit.login-refused operator alice"));
        }

        // a restart without warm-up over the same data: the session key is kept, the figures printed
        Serve again = serve("--no-warmup");
        long t = awaitReady(again);
        System.out.printf("leo serve (--no-warmup, restart): ready %d ms after fork, RSS %d MiB%n", TimeUnit.NANOSECONDS.toMillis(t - again.forkedNanos()),
                rssKib(again.process().pid()) / 1024);
        HttpResponse<String> sameSession = get(again.base() + "/api/me", "Cookie", cookie.substring(0, cookie.indexOf(';')));
        assertThat(sameSession.statusCode()).as("the session key survives a restart").isEqualTo(200);
    }

    /**
     * The HPC segment never reaches the operator port: with --interface lo (the "HPC segment" is loopback here), a request
     * that arrives on an address of that interface is refused with 403 before any login is checked, and counted.
     */
    @Test
    void requestsFromTheHpcSegmentAreRefused() throws Exception {
        setUp();
        Serve s = serve("--interface", "lo", "--no-warmup");
        awaitLine(s.process(), s.out(), s.err(), Pattern.compile("leo serve: ready"));
        HttpResponse<String> r = get(s.base() + "/api/me", "Authorization", basic("olga", "olga-password"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("the HPC segment does not reach this port");
        assertThat(get(s.base() + "/metrics").statusCode()).isEqualTo(403);
        assertThat(Files.readString(s.err())).contains("refused GET /api/me from").contains("the HPC segment (lo) does not reach the operator's port");
    }

    /**
     * Embedded default: with --attest and no --tpm on a machine without /dev/tpmrm0, leo serve runs a swtpm of its own over
     * DATA-DIR/swtpm and says so; the TPM's attestation key survives a restart; a swtpm left running by a killed appliance
     * is stopped by the next start; a clean stop stops it.
     */
    @Test
    void withoutATpmDeviceItRunsItsOwnSwtpmOverItsDataDirectory() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(Path.of("/dev/tpmrm0")), "this machine has a TPM device: leo serve uses it");
        setUp();
        Path policy = dir.resolve("policy.properties");
        Files.writeString(policy, "tpm.required=false\n");
        String[] attest = {"--no-warmup", "--attest", "--attest-policy", policy.toString(), "--attest-enroll-port", Integer.toString(freePort()),
                "--attest-port", Integer.toString(freePort())};
        Pattern ak = Pattern.compile("signs the event log head \\(PCR 23\\); attestation key ([0-9a-f]{64})");

        Serve first = serve(attest);
        awaitLine(first.process(), first.out(), first.err(), Pattern.compile("leo serve: ready"));
        assertThat(Files.readString(first.out())).contains("leo serve: TPM: swtpm, started by this appliance").contains(dir.resolve("data").resolve("swtpm").toString());
        String key = awaitLine(first.process(), first.err(), first.err(), ak).group(1);
        List<ProcessHandle> swtpm = first.process().children().filter(c -> c.info().command().orElse("").endsWith("swtpm")).toList();
        assertThat(swtpm).hasSize(1);

        first.process().destroyForcibly(); // kill -9: the swtpm child is left running
        first.process().waitFor(20, TimeUnit.SECONDS);
        assertThat(swtpm.get(0).isAlive()).isTrue();

        Serve second = serve(attest);
        awaitLine(second.process(), second.out(), second.err(), Pattern.compile("leo serve: ready"));
        assertThat(Files.readString(second.err())).contains("stopping swtpm pid " + swtpm.get(0).pid() + ", left running");
        assertThat(swtpm.get(0).isAlive()).isFalse();
        assertThat(awaitLine(second.process(), second.err(), second.err(), ak).group(1)).as("the same TPM identity after a restart").isEqualTo(key);
        List<ProcessHandle> again = second.process().children().filter(c -> c.info().command().orElse("").endsWith("swtpm")).toList();
        assertThat(again).hasSize(1);

        // SIGHUP reloads the attestation policy: a typo or a change that takes a restart leaves the policy in force
        Files.writeString(policy, "tpm.required=false\nchalenge.mean-seconds=5\n");
        hangUp(second, Pattern.compile("leo serve: SIGHUP: the attestation policy in force stays: .*unknown policy key 'chalenge.mean-seconds'"));
        Files.writeString(policy, "tpm.required=true\n");
        hangUp(second, Pattern.compile("leo serve: SIGHUP: the attestation policy in force stays: .*tpm.required changed, which takes a restart"));
        Files.writeString(policy, "tpm.required=false\nseverity.os.process.new=critical\nchallenge.mean-seconds=10\n");
        hangUp(second, Pattern.compile("leo serve: SIGHUP: attestation policy reloaded, in force from the next challenge: "
                + "challenge.mean-seconds, severity.os.process.new changed"));

        second.process().destroy();
        assertThat(second.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(second.process().exitValue()).isZero();
        assertThat(again.get(0).onExit().get(10, TimeUnit.SECONDS).isAlive()).isFalse();
        try (AttestationLog log = AttestationLog.open(dir.resolve("data").resolve("attest").resolve("attest.db"))) {
            assertThat(log.since(-1, 1000).stream().map(ChainedEntry::entry).filter(e -> e.eventId().equals("policy.reloaded")).toList())
                    .singleElement().satisfies(e -> assertThat(e.detail()).isEqualTo("challenge.mean-seconds=10\nseverity.os.process.new=critical"));
        }
    }

    /** Signs {@code user} in through the dashboard's form; its session cookie ("name=value"). */
    private String session(Serve s, String user, String password) throws Exception {
        HttpResponse<String> login = post(s.base() + "/j_security_check", "j_username=" + user + "&j_password=" + password,
                "Content-Type", "application/x-www-form-urlencoded");
        assertThat(login.statusCode()).isEqualTo(200);
        String cookie = login.headers().allValues("set-cookie").stream().filter(c -> c.startsWith("quarkus-credential=")).findFirst().orElseThrow();
        return cookie.substring(0, cookie.indexOf(';'));
    }

    /** Sends SIGHUP to {@code s} and waits for {@code answer} in its output. */
    private static void hangUp(Serve s, Pattern answer) throws Exception {
        assertThat(Exec.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(s.process().pid())).exitCode()).isZero();
        awaitLine(s.process(), s.out(), s.err(), answer);
    }

    /**
     * An operator enrolls an HPC from the API: refused for a viewer, for a malformed MAC and for an address off the subnet;
     * then it is among the HPCs, audited, and still enrolled after a restart (kept in DATA-DIR/enrolled).
     */
    @Test
    void anOperatorEnrollsAnHpcAndItStaysEnrolled() throws Exception {
        setUp();
        String[] dhcp = {"--no-warmup", "--dhcp-port", Integer.toString(freeUdpPort()), "--dhcp-client-port", Integer.toString(freeUdpPort())};
        Files.writeString(dir.resolve("leo.properties"), "enroll=52:54:00:77:00:10=127.0.0.10\n");
        Serve s = serve(dhcp);
        awaitLine(s.process(), s.out(), s.err(), Pattern.compile("leo serve: ready"));
        String json = "{\"mac\":\"52:54:00:77:00:11\",\"address\":\"127.0.0.11\",\"hostname\":\"hpc-b\"}";
        String[] asOlga = {"Content-Type", "application/json", "Authorization", basic("olga", "olga-password")};
        assertThat(post(s.base() + "/api/enrollments", json, "Content-Type", "application/json", "Authorization", basic("alice", "alice-password"))
                .statusCode()).isEqualTo(403);
        assertThat(post(s.base() + "/api/enrollments", "{\"mac\":\"zz\"}", asOlga).statusCode()).isEqualTo(400);
        // a host name or address field cannot smuggle a second enrollment into DATA-DIR/enrolled
        assertThat(post(s.base() + "/api/enrollments", "{\"mac\":\"52:54:00:77:00:11\",\"address\":\"127.0.0.11,x\\n52:54:00:77:00:66=127.0.0.66\"}",
                asOlga).statusCode()).isEqualTo(400);
        assertThat(post(s.base() + "/api/enrollments", "{\"mac\":\"52:54:00:77:00:11\",\"address\":\"127.0.0.11\",\"hostname\":\"a\\nb\"}",
                asOlga).statusCode()).isEqualTo(400);
        // a body over 16 KiB is refused before it is read whole
        HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create(s.base() + "/api/enrollments")).version(HttpClient.Version.HTTP_1_1)
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").header("Authorization", basic("olga", "olga-password"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"mac\":\"" + "a".repeat(20_000) + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        HttpResponse<String> off = post(s.base() + "/api/enrollments", "{\"mac\":\"52:54:00:77:00:12\",\"address\":\"10.9.9.9\"}", asOlga);
        assertThat(off.statusCode()).isEqualTo(409);
        assertThat(off.body()).contains("is not a client address");
        HttpResponse<String> ok = post(s.base() + "/api/enrollments", json, asOlga);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("enrolled as 52:54:00:77:00:11=127.0.0.11,hpc-b");
        assertThat(get(s.base() + "/api/hpcs", "Authorization", basic("alice", "alice-password")).body())
                .contains("52:54:00:77:00:10").contains("52:54:00:77:00:11").doesNotContain("52:54:00:77:00:12").doesNotContain("52:54:00:77:00:66");
        assertThat(Files.readString(s.err())).contains("HPC 52:54:00:77:00:11 enrolled at 127.0.0.11 as hpc-b");

        // SIGHUP (systemctl reload): an HPC added to the configuration's drop-in is enrolled without a restart
        Path dropIns = Files.createDirectories(dir.resolve("leo.properties.d")); // LEO_CONFIG's drop-ins
        Files.writeString(dropIns.resolve("50-hpcs.properties"), "enroll=52:54:00:77:00:10=127.0.0.10 52:54:00:77:00:13=127.0.0.13\n");
        assertThat(Exec.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(s.process().pid())).exitCode()).isZero();
        awaitLine(s.process(), s.out(), s.err(), Pattern.compile("leo serve: SIGHUP: configuration read again; 1 HPC\\(s\\) enrolled or changed"));
        assertThat(get(s.base() + "/api/hpcs", "Authorization", basic("alice", "alice-password")).body()).contains("52:54:00:77:00:13");

        s.process().destroy();
        assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        Serve again = serve(dhcp);
        awaitLine(again.process(), again.out(), again.err(), Pattern.compile("leo serve: ready"));
        assertThat(get(again.base() + "/api/hpcs", "Authorization", basic("alice", "alice-password")).body()).contains("52:54:00:77:00:11");

        // rotating an agent key needs attestation (off here); an HPC this Pi does not serve is not found
        HttpResponse<String> rotate = post(again.base() + "/api/hpcs/52:54:00:77:00:11/rotate-key", "", "Authorization", basic("olga", "olga-password"));
        assertThat(rotate.statusCode()).isEqualTo(409);
        assertThat(rotate.body()).contains("attestation is off");
        assertThat(post(again.base() + "/api/hpcs/52:54:00:77:00:99/rotate-key", "", "Authorization", basic("olga", "olga-password")).statusCode())
                .isEqualTo(404);

        // rotating the session key ends every dashboard session at once, the rotating operator's and its live feed too
        String olgaSession = session(again, "olga", "olga-password");
        String aliceSession = session(again, "alice", "alice-password");
        HttpResponse<String> me = get(again.base() + "/api/me", "Cookie", aliceSession);
        assertThat(me.statusCode()).isEqualTo(200);
        assertThat(me.body()).contains("\"user\":\"alice\"");
        LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
        HttpResponse<Stream<String>> stream = http.sendAsync(HttpRequest.newBuilder(URI.create(again.base() + "/api/events"))
                .header("Cookie", aliceSession).header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines()).get(20, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        CompletableFuture<Void> streamEnded = CompletableFuture.runAsync(() -> stream.body().forEach(events::add));
        assertThat(post(again.base() + "/api/session-key/rotate", "", "Cookie", aliceSession).statusCode()).as("a viewer may not").isEqualTo(403);
        HttpResponse<String> rotated = post(again.base() + "/api/session-key/rotate", "", "Cookie", olgaSession);
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.body()).contains("every dashboard session ended");
        assertThat(rotated.headers().allValues("set-cookie")).anyMatch(c -> c.startsWith("quarkus-credential=;") && c.contains("Max-Age=0"));
        streamEnded.get(20, TimeUnit.SECONDS);
        assertThat(get(again.base() + "/api/me", "Cookie", olgaSession).statusCode()).isEqualTo(401);
        assertThat(get(again.base() + "/api/me", "Cookie", aliceSession).statusCode()).isEqualTo(401);
        assertThat(get(again.base() + "/api/me", "Cookie", session(again, "alice", "alice-password")).statusCode()).as("a new sign-in").isEqualTo(200);
        assertThat(get(again.base() + "/api/me", "Authorization", basic("alice", "alice-password")).statusCode()).isEqualTo(200);

        try (AttestationLog log = AttestationLog.open(dir.resolve("data").resolve(Audit.FILE))) {
            assertThat(log.since(-1, 1000).stream().map(c -> c.entry().message()).toList())
                    .anyMatch(m -> m.contains("operator olga enroll 52:54:00:77:00:11: done, enrolled as"))
                    .anyMatch(m -> m.contains("operator olga enroll 52:54:00:77:00:12: failed"))
                    .anyMatch(m -> m.contains("operator olga rotate-key 52:54:00:77:00:11: failed, attestation is off"))
                    .anyMatch(m -> m.contains("operator olga rotate-session-key: done, session key rotated"));
        }
    }

    private static int freeUdpPort() throws IOException {
        try (var s = new java.net.DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A command other than serve ({@code leo pxe serve}) listens on its boot ports only: no operator port. */
    @Test
    void otherCommandsOpenNoOperatorPort() throws Exception {
        setUp();
        int httpPort = freePort();
        Path out = dir.resolve("pxe.out");
        Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "pxe", "serve", "--no-dhcp", "--no-ra", "--no-tftp", "--no-warmup",
                "--address", "127.0.0.1", "--http-port", Integer.toString(httpPort), "--boot-mode", "http", "--boot-root", bootRoot.toString(),
                "--manifest", manifest.toString(), "--public-key", keys.publicKey().toString(), "--data-dir", dir.resolve("pxe-data").toString())
                .redirectOutput(out.toFile()).redirectError(dir.resolve("pxe.err").toFile()).start();
        started.add(p);
        awaitLine(p, out, dir.resolve("pxe.err"), Pattern.compile("leo pxe serve: ready"));
        Exec.Result ss = Exec.run(Duration.ofSeconds(20), "ss", "-Hlntup");
        List<String> mine = ss.output().lines().filter(l -> l.contains("pid=" + p.pid() + ",")).toList();
        assertThat(mine).as(ss.output()).hasSize(1);
        assertThat(mine.get(0)).contains("127.0.0.1]:" + httpPort);
    }

    private long awaitReady(Serve s) throws Exception {
        long deadline = System.nanoTime() + START.toNanos();
        while (System.nanoTime() < deadline) {
            if (get(s.base() + "/q/health/ready").statusCode() == 200) {
                return System.nanoTime();
            }
            s.process().waitFor(20, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("not ready within " + START + ":\n" + Files.readString(s.err()));
    }

    private static String awaitEvent(LinkedBlockingQueue<String> events, String needle) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            String e = events.poll(200, TimeUnit.MILLISECONDS);
            if (e != null) {
                seen.add(e);
                if (e.contains(needle)) {
                    return e;
                }
            }
        }
        throw new AssertionError("no event with " + needle + " within 20 s; got " + seen);
    }

    private String awaitMetric(Serve s, String needle) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = get(s.base() + "/metrics", "Accept", "text/plain");
            assertThat(r.statusCode()).isEqualTo(200);
            body = r.body();
            if (body.contains(needle)) {
                return body;
            }
            s.process().waitFor(100, TimeUnit.MILLISECONDS);
        }
        throw new AssertionError("no " + needle + " in /metrics within 20 s:\n" + body);
    }

    private static long rssKib(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }
}
