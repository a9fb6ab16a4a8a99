package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.leo.pxe.PxeConfig;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.BootMode;
import org.leo.pxe.vm.BootRoot;
import org.leo.pxe.vm.BootServerUnderTest;
import org.leo.pxe.vm.NetNsHost;
import org.leo.pxe.vm.ServerProcess;

/**
 * The product under test: the packaged {@code leo pxe serve} (quarkus-run.jar), started in the
 * topology's server namespace with a fresh appliance key and a manifest signed over the boot root.
 */
final class LeoPxeServer implements BootServerUnderTest {
    static final Path JAR = Path.of(System.getProperty("leo.jar", "target/quarkus-app/quarkus-run.jar"));

    private final Path runDir;
    private final MacAddress enrolled;
    private final List<String> extraOptions;
    private final boolean proxyDhcp;
    private ServerProcess process;

    LeoPxeServer(Path runDir, MacAddress enrolled, String... extraOptions) {
        this(runDir, enrolled, false, extraOptions);
    }

    /** With {@code proxyDhcp}, another server hands out addresses and leo only adds the boot information. */
    LeoPxeServer(Path runDir, MacAddress enrolled, boolean proxyDhcp, String... extraOptions) {
        this.runDir = runDir;
        this.enrolled = enrolled;
        this.proxyDhcp = proxyDhcp;
        this.extraOptions = List.of(extraOptions);
    }

    Path dataDir() {
        return runDir.resolve("data");
    }

    @Override
    public void start(NetNsHost pi, BootRoot root, BootMode mode) throws IOException {
        Files.createDirectories(runDir);
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(runDir.resolve("keys"));
        Path manifest = runDir.resolve("boot.manifest");
        ManifestTool.create(root.dir(), keys.privateKey(), manifest, "e2e-test-image");
        String server = pi.address();
        String hpcAddress = server.substring(0, server.lastIndexOf('.')) + ".10";
        List<String> argv = new ArrayList<>(List.of(
                "java", "-jar", JAR.toAbsolutePath().toString(), "pxe", "serve",
                "--interface", pi.ifName(), "--address", server,
                "--enroll", proxyDhcp ? enrolled.toString() : enrolled + "=" + hpcAddress,
                "--boot-root", root.dir().toString(), "--manifest", manifest.toString(),
                "--public-key", keys.publicKey().toString(), "--data-dir", dataDir().toString(),
                "--boot-mode", mode.name().toLowerCase(java.util.Locale.ROOT),
                "--http-port", Integer.toString(root.httpPort()),
                // what the test initramfs reads besides leo.nonce and leo.server, which the server adds itself
                "--cmdline", "console=ttyS0 quiet loglevel=4 panic=1 leo.http_port=" + root.httpPort()
                        + " leo.probe=" + BootRoot.PROBE));
        if (proxyDhcp) {
            argv.add("--proxy-dhcp");
        }
        argv.addAll(extraOptions);
        // for experiments and benchmarks: more `leo pxe serve` options, space-separated
        String extra = System.getProperty("leo.test.serve.options", "").trim();
        if (!extra.isEmpty()) {
            argv.addAll(List.of(extra.split("\\s+")));
        }
        process = ServerProcess.start("leo-pxe-serve", pi.processBuilder(argv.toArray(String[]::new)),
                runDir.resolve("leo.log"));
        process.awaitReady(Pattern.compile("leo pxe serve: ready"), Duration.ofSeconds(60));
    }

    /** The boot event log as the server wrote it (read while it runs: SQLite WAL allows that). */
    List<BootEvent> events() throws Exception {
        try (SqliteBootEventLog log = SqliteBootEventLog.open(dataDir().resolve(PxeConfig.EVENTS_FILE))) {
            return log.eventsFor(enrolled, 1000);
        }
    }

    @Override
    public Optional<Long> firstDhcpAckNanoTime() {
        try {
            Optional<Instant> ack = events().stream().filter(e -> e.stage() == BootStage.DHCP_ACK).map(BootEvent::at).findFirst();
            long nowNanos = System.nanoTime();
            Instant now = Instant.now();
            return ack.map(at -> nowNanos - Duration.between(at, now).toNanos());
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    String log() {
        StringBuilder b = new StringBuilder();
        if (process != null) {
            process.output().lines().forEach(l -> b.append(l.text()).append('\n'));
        }
        return b.toString();
    }

    @Override
    public void stop() {
        if (process != null) {
            process.stop();
        }
    }
}
