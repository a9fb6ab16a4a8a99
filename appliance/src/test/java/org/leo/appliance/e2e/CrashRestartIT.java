package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.pxe.dhcp.Lease;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.vm.Exec;
import org.leo.pxe.vm.NetNsTopology;

/**
 * "Nothing acknowledged is lost": the packaged {@code leo pxe serve} is killed with SIGKILL (and
 * stopped with SIGTERM) while real clients in their own network namespaces hold leases and
 * download a 64 MiB manifest-listed file, then restarted over the same data directory.
 * <ul>
 *   <li>mid-lease: the lease busybox udhcpc was ACKed is in the lease table after the crash, a
 *       second enrolled MAC asking for that very address gets another one, and the first client's
 *       unicast renewal gets the same address; the pre-crash ACK is still in {@code leo pxe events};</li>
 *   <li>mid-transfer TFTP: atftp (lock-step, blksize 512) fails when the server dies; retried after
 *       the restart, as iPXE or an operator would, it completes with the right SHA-256 and the
 *       boot event log has the FILE_SERVED;</li>
 *   <li>mid-transfer HTTP: curl with {@code --retry --retry-all-errors -C -} rides through the crash
 *       and resumes with a Range request: right SHA-256;</li>
 *   <li>SIGTERM: exit code 0 (as {@code leo pxe serve --help} promises), lease table and event log intact.</li>
 * </ul>
 * Timings and addresses are printed for the record.
 */
@Tag("system")
class CrashRestartIT {
    private static final MacAddress MAC_A = MacAddress.parse("52:54:00:6b:00:0a");
    private static final MacAddress MAC_B = MacAddress.parse("52:54:00:6b:00:0b");
    private static final MacAddress MAC_FILES = MacAddress.parse("52:54:00:6b:00:0f");
    /** Two pool addresses: if the crash lost A's lease, B (asking for A's address) would get it. */
    private static final String POOL = "10.77.0.100-10.77.0.101";
    private static final String FILE_CLIENT_CIDR = "10.77.0.20/24";
    private static final int HTTP_PORT = 8080;
    private static final String BIG = "big.img";
    private static final int BIG_SIZE = 64 << 20;
    /** Kill the server once the client holds this much: the transfer is well under way. */
    private static final long KILL_AFTER_BYTES = 1 << 20;
    private static final long HTTP_KILL_AFTER_BYTES = 8 << 20;
    /** curl --retry count: enough to span a JVM restart on a busy machine at one retry a second. */
    private static final int HTTP_RETRIES = 30;
    /** Client retries after a failed TFTP transfer (iPXE's "chain" loop or an operator). */
    private static final int TFTP_TRIES = 3;
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(240);

    private static Path bootRoot;
    private static String bigSha256;

    @BeforeAll
    static void preconditions() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        assumeTrue(Exec.onPath("ip"), "iproute2 'ip' not on PATH");
        assumeTrue(Exec.run(Duration.ofSeconds(5), "id", "-u").output().strip().equals("0"), "needs root (network namespaces)");
        assumeTrue(Exec.onPath("busybox"), "busybox (udhcpc) missing (Debian package busybox)");
        assumeTrue(Exec.onPath("atftp"), "atftp missing (Debian package atftp)");
        assumeTrue(Exec.onPath("curl"), "curl missing (Debian package curl)");
        bootRoot = E2eFiles.placeholderBootRoot(Files.createTempDirectory("leok-crash-root-"));
        bigSha256 = writeRandom(bootRoot.resolve(BIG), BIG_SIZE, 0x6c656f6bL);
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (bootRoot != null) {
            PxeBootIT.deleteTree(bootRoot);
        }
    }

    @Test
    void leaseSurvivesKill9AndTheClientRenewsTheSameAddress() throws Exception {
        Path run = Files.createTempDirectory("leok-crash-lease-");
        try (NetNsTopology topo = NetNsTopology.create("leok");
             ClientNetNs hostA = ClientNetNs.attach(topo, 'a', MAC_A, Optional.empty());
             ClientNetNs hostB = ClientNetNs.attach(topo, 'b', MAC_B, Optional.empty());
             CrashableLeoServer server = newServer(topo, run);
             Udhcpc a = new Udhcpc(hostA, run.resolve("a"))) {
            long readyMs = server.start().toMillis();
            say("lease: server %s ready in %d ms", server.describe(), readyMs);
            a.startDaemon();
            Udhcpc.Event bound = a.awaitAck(0, Duration.ofSeconds(60));
            say("lease: udhcpc (pid %d) %s bound %s from %s, lease %s s", a.pid(), MAC_A, bound.ip(), bound.serverId(),
                    bound.leaseSeconds());

            Instant killedAt = Instant.now();
            String victim = server.describe();
            int code = server.kill9();
            say("lease: SIGKILL %s -> exit %d", victim, code);
            assertThat(code).as("killed by SIGKILL").isEqualTo(137);
            // The invariant, checked on disk with the server dead: every ACK the client saw is in the lease table.
            for (Udhcpc.Event ack : a.acks()) {
                Optional<Lease> l = server.leaseOnDisk(MAC_A);
                assertThat(l).as("lease of %s after kill -9", MAC_A).isPresent();
                assertThat(l.get().address().getHostAddress()).isEqualTo(ack.ip());
                assertThat(l.get().isActive(Instant.now())).isTrue();
            }
            say("lease: on disk after the crash: %s", server.leasesOnDisk());

            readyMs = server.start().toMillis();
            say("lease: restarted in %d ms, %s", readyMs, server.describe());
            Udhcpc b = new Udhcpc(hostB, run.resolve("b"));
            Exec.Result bResult = b.once(Optional.of(bound.ip()));
            assertThat(bResult.exitCode()).as("udhcpc B: %s", bResult.output()).isZero();
            Udhcpc.Event bAck = b.acks().get(0);
            say("lease: %s asked for %s, got %s", MAC_B, bound.ip(), bAck.ip());
            assertThat(bAck.ip()).as("the second MAC must not get the address leased before the crash")
                    .isNotEqualTo(bound.ip()).startsWith("10.77.0.10");

            long renewStart = System.nanoTime();
            a.renew();
            Udhcpc.Event renewed = a.awaitAck(1, Duration.ofSeconds(60));
            say("lease: %s renewed (SIGUSR1, unicast REQUEST) -> %s %s in %d ms", MAC_A, renewed.kind(), renewed.ip(),
                    (System.nanoTime() - renewStart) / 1_000_000);
            assertThat(renewed.kind()).isEqualTo("renew");
            assertThat(renewed.ip()).isEqualTo(bound.ip());
            assertThat(a.events()).as("never deconfigured after the first bound")
                    .filteredOn(e -> e.kind().equals("deconfig")).hasSizeLessThanOrEqualTo(1);

            List<BootEvent> acks = server.events().stream()
                    .filter(e -> e.stage() == BootStage.DHCP_ACK && e.mac().equals(Optional.of(MAC_A))).toList();
            assertThat(acks).as("the pre-crash ACK survived").anyMatch(e -> e.at().isBefore(killedAt));
            assertThat(acks).as("the renewal ACK after the restart").anyMatch(e -> e.at().isAfter(killedAt));
            String cli = server.eventsCli(Optional.of(MAC_A));
            say("lease: leo pxe events --mac %s:%n%s", MAC_A, cli.strip());
            assertThat(cli.lines().filter(l -> l.contains("DHCP_ACK")).count()).isGreaterThanOrEqualTo(2);
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    @Test
    void tftpTransferKilledMidwayCompletesOnRetry() throws Exception {
        Path run = Files.createTempDirectory("leok-crash-tftp-");
        try (NetNsTopology topo = NetNsTopology.create("leok");
             ClientNetNs host = ClientNetNs.attach(topo, 'f', MAC_FILES, Optional.of(FILE_CLIENT_CIDR));
             CrashableLeoServer server = newServer(topo, run)) {
            say("tftp: server ready in %d ms", server.start().toMillis());
            Path out = run.resolve("big.tftp");
            String[] atftp = {"atftp", "--option", "blksize 512", "--tftp-timeout", "1", "-g", "-r", BIG, "-l", out.toString(),
                topo.pi().address()};
            long t0 = System.nanoTime();
            Process first = host.processBuilder(atftp).redirectErrorStream(true)
                    .redirectOutput(run.resolve("atftp-1.log").toFile()).start();
            try {
                awaitSize(out, KILL_AFTER_BYTES, first);
                long at = Files.size(out);
                String victim = server.describe();
                say("tftp: SIGKILL %s at %d ms into the transfer, client had %d bytes -> exit %d", victim,
                        (System.nanoTime() - t0) / 1_000_000, at, server.kill9());
                assertThat(first.waitFor(120, TimeUnit.SECONDS)).as("atftp gives up on a dead server").isTrue();
                long got = Files.size(out);
                say("tftp: atftp exited %d after %d ms with %d of %d bytes: %s", first.exitValue(),
                        (System.nanoTime() - t0) / 1_000_000, got, BIG_SIZE, Files.readString(run.resolve("atftp-1.log")).strip());
                assertThat(got).as("the interrupted transfer is incomplete").isLessThan(BIG_SIZE);
                assertThat(first.exitValue()).as("atftp reports the failure").isNotZero();
            } finally {
                first.destroyForcibly();
            }
            Instant restartedAt = Instant.now();
            say("tftp: restarted in %d ms", server.start().toMillis());
            int tries = 0;
            String sha = "";
            while (tries < TFTP_TRIES && !sha.equals(bigSha256)) {
                tries++;
                Files.deleteIfExists(out);
                long t = System.nanoTime();
                Exec.Result r = host.run(TRANSFER_TIMEOUT, atftp);
                sha = Files.exists(out) ? E2eFiles.sha256(out) : "";
                say("tftp: retry %d: exit %d in %d ms, %d bytes, sha256 %s %s", tries, r.exitCode(),
                        (System.nanoTime() - t) / 1_000_000, Files.exists(out) ? Files.size(out) : -1, sha, r.output().strip());
            }
            assertThat(sha).as("SHA-256 of the file fetched after the restart").isEqualTo(bigSha256);
            List<BootEvent> served = server.events().stream().filter(e -> e.stage() == BootStage.FILE_SERVED
                    && e.protocol() == Protocol.TFTP && e.file().equals(BIG) && e.at().isAfter(restartedAt)).toList();
            served.forEach(e -> say("tftp: event %s %s %d bytes sha256=%s (%s)", e.stage(), e.file(), e.bytes(), e.sha256Hex(), e.detail()));
            assertThat(served).anyMatch(e -> e.bytes() == BIG_SIZE && e.sha256Hex().equals(bigSha256));
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    @Test
    void httpTransferResumesWithRangeAcrossKill9() throws Exception {
        Path run = Files.createTempDirectory("leok-crash-http-");
        try (NetNsTopology topo = NetNsTopology.create("leok");
             ClientNetNs host = ClientNetNs.attach(topo, 'f', MAC_FILES, Optional.of(FILE_CLIENT_CIDR));
             CrashableLeoServer server = newServer(topo, run)) {
            say("http: server ready in %d ms", server.start().toMillis());
            Path out = run.resolve("big.http");
            String url = "http://" + topo.pi().address() + ":" + HTTP_PORT + "/" + BIG;
            long t0 = System.nanoTime();
            // rate-limited so the transfer is still running when the server dies
            Process first = host.processBuilder("curl", "-sS", "--fail", "--limit-rate", "8M", "-C", "-", "-o", out.toString(), url)
                    .redirectErrorStream(true).redirectOutput(run.resolve("curl-1.log").toFile()).start();
            Process retry = null;
            try {
                awaitSize(out, HTTP_KILL_AFTER_BYTES, first);
                long at = Files.size(out);
                String victim = server.describe();
                say("http: SIGKILL %s at %d ms, client had %d bytes -> exit %d", victim, (System.nanoTime() - t0) / 1_000_000,
                        at, server.kill9());
                assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
                long partial = Files.size(out);
                say("http: first curl exited %d with %d bytes: %s", first.exitValue(), partial,
                        Files.readString(run.resolve("curl-1.log")).strip());
                assertThat(first.exitValue()).as("curl reports the broken transfer").isNotZero();
                assertThat(partial).isLessThan(BIG_SIZE);
                // The operator's (or a boot script's) retry, started while the server is still down: curl's own
                // --retry truncates to where that invocation began, so resuming is the job of -C - on a new run.
                retry = host.processBuilder("curl", "-sS", "--fail", "--retry", Integer.toString(HTTP_RETRIES),
                        "--retry-all-errors", "--retry-delay", "1", "-C", "-", "-o", out.toString(), url)
                        .redirectErrorStream(true).redirectOutput(run.resolve("curl-2.log").toFile()).start();
                Thread.sleep(1500); // it sees the dead server (connection refused) and retries
                say("http: restarted in %d ms", server.start().toMillis());
                assertThat(retry.waitFor(TRANSFER_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("curl finishes").isTrue();
                say("http: resuming curl exited %d, %d ms after the first started: %s", retry.exitValue(),
                        (System.nanoTime() - t0) / 1_000_000, Files.readString(run.resolve("curl-2.log")).strip());
                assertThat(retry.exitValue()).isZero();
            } finally {
                first.destroyForcibly();
                if (retry != null) {
                    retry.destroyForcibly();
                }
            }
            String sha = E2eFiles.sha256(out);
            say("http: %d bytes, sha256 %s", Files.size(out), sha);
            assertThat(sha).as("SHA-256 of the file fetched across the crash").isEqualTo(bigSha256);
            List<BootEvent> http = server.events().stream().filter(e -> e.protocol() == Protocol.HTTP && e.file().equals(BIG)).toList();
            http.forEach(e -> say("http: event %s %d bytes (%s)", e.stage(), e.bytes(), e.detail()));
            assertThat(http).as("the resumed request was a Range request from where the client stopped")
                    .anyMatch(e -> e.detail().matches(".*sent a part, [0-9]+ of " + BIG_SIZE + " bytes.*range [1-9][0-9]*-"
                            + (BIG_SIZE - 1) + "/" + BIG_SIZE + ".*"));
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    @Test
    void sigtermExitsZeroAsHelpSaysWithLeasesAndEventsIntact() throws Exception {
        Path run = Files.createTempDirectory("leok-crash-term-");
        try (NetNsTopology topo = NetNsTopology.create("leok");
             ClientNetNs hostA = ClientNetNs.attach(topo, 'a', MAC_A, Optional.empty());
             ClientNetNs hostB = ClientNetNs.attach(topo, 'b', MAC_B, Optional.empty());
             CrashableLeoServer server = newServer(topo, run)) {
            say("term: server ready in %d ms", server.start().toMillis());
            Udhcpc a = new Udhcpc(hostA, run.resolve("a"));
            Exec.Result ra = a.once(Optional.empty());
            assertThat(ra.exitCode()).as("udhcpc A: %s", ra.output()).isZero();
            String ipA = a.acks().get(0).ip();
            long eventsBefore = server.events().size();
            long t = System.nanoTime();
            String victim = server.describe();
            Optional<Integer> code = server.terminate(Duration.ofSeconds(20));
            say("term: %s got %s; SIGTERM %s -> exit %s in %d ms", MAC_A, ipA, victim, code.map(String::valueOf).orElse("none (hung)"),
                    (System.nanoTime() - t) / 1_000_000);
            assertThat(code).as("exit status after SIGTERM (leo pxe serve --help: 0); log:%n%s", server.logText()).contains(0);
            assertThat(server.logText()).contains("leo pxe serve: stopping on SIGTERM");
            assertThat(server.leaseOnDisk(MAC_A)).map(l -> l.address().getHostAddress()).contains(ipA);
            assertThat(server.events().size()).as("boot event log intact").isEqualTo(eventsBefore);
            assertThat(server.eventsCli(Optional.of(MAC_A))).contains("DHCP_ACK");

            say("term: restarted in %d ms", server.start().toMillis());
            Udhcpc b = new Udhcpc(hostB, run.resolve("b"));
            assertThat(b.once(Optional.of(ipA)).exitCode()).isZero();
            Exec.Result again = a.once(Optional.empty());
            assertThat(again.exitCode()).isZero();
            say("term: after restart %s got %s (asked for %s), %s got %s again", MAC_B, b.acks().get(0).ip(), ipA, MAC_A,
                    a.acks().get(1).ip());
            assertThat(b.acks().get(0).ip()).isNotEqualTo(ipA);
            assertThat(a.acks().get(1).ip()).isEqualTo(ipA);
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    /** Regression: SIGINT/SIGTERM ran the JVM's shutdown and exited 130/143, while --help promises 0. */
    @Test
    void sigintExitsZeroAsHelpSays() throws Exception {
        Path run = Files.createTempDirectory("leok-crash-int-");
        try (NetNsTopology topo = NetNsTopology.create("leok");
             CrashableLeoServer server = newServer(topo, run)) {
            server.start();
            String victim = server.describe();
            Optional<Integer> code = server.interrupt(Duration.ofSeconds(20));
            say("int: SIGINT %s -> exit %s", victim, code.map(String::valueOf).orElse("none (hung)"));
            assertThat(code).as("exit status after SIGINT; log:%n%s", server.logText()).contains(0);
            assertThat(server.logText()).contains("leo pxe serve: stopping on SIGINT");
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    private static CrashableLeoServer newServer(NetNsTopology topo, Path run) throws IOException {
        return new CrashableLeoServer(topo.pi(), run.resolve("server"), bootRoot, List.of(
                "--enroll", MAC_A.toString(), "--enroll", MAC_B.toString(), "--pool", POOL,
                "--http-port", Integer.toString(HTTP_PORT), "--lease-time", "3600"));
    }

    /** Waits until {@code file} holds more than {@code bytes} bytes; fails if {@code client} exits first. */
    private static void awaitSize(Path file, long bytes, Process client) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!Files.exists(file) || Files.size(file) <= bytes) {
            if (!client.isAlive()) {
                throw new AssertionError("client exited " + client.exitValue() + " before it had " + bytes + " bytes of " + file);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("client did not get " + bytes + " bytes of " + file + " within 120 s");
            }
            Thread.sleep(20);
        }
    }

    private static String writeRandom(Path file, int size, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Random rnd = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (OutputStream o = Files.newOutputStream(file)) {
            for (int done = 0; done < size; done += buf.length) {
                rnd.nextBytes(buf);
                md.update(buf);
                o.write(buf);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void say(String format, Object... args) {
        System.out.println("[crash-restart " + Instant.now() + "] " + String.format(format, args));
    }
}
