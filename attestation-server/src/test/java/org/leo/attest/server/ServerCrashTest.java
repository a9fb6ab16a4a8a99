package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.AgentConfig;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainReport;
import org.leo.attest.log.ChainedEntry;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.net.MacAddress;

/**
 * The attestation server as its own process, killed with SIGKILL and stopped with SIGTERM while
 * an agent is attested: the agent reconnects to the restarted server on its own, attestation goes
 * on from the saved baseline (no re-enrollment), and the event log's chain verifies across it all.
 */
class ServerCrashTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;

    static final class ServerProcess implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        ServerProcess(Path data, Path bootDb, int enrollPort, int attestPort) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), AttestationServerMain.class.getName(),
                    data.toString(), bootDb.toString(), String.valueOf(enrollPort), String.valueOf(attestPort), MAC.toString())
                    .redirectError(data.resolveSibling("server-" + System.nanoTime() + ".err").toFile()).start();
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (java.io.IOException ignored) {
                    // the process died: that is what these tests do
                }
            }, "server-stdout");
            t.setDaemon(true);
            t.start();
            await("READY", 60);
        }

        String await(String prefix, int seconds) throws InterruptedException {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (System.nanoTime() < until) {
                String l = lines.poll(100, TimeUnit.MILLISECONDS);
                if (l != null && l.startsWith(prefix)) {
                    return l;
                }
            }
            throw new AssertionError("server printed no '" + prefix + "' within " + seconds + " s (alive: " + process.isAlive() + ")");
        }

        /** Waits for {@code n} more clean verdicts; fails on any verdict with findings. */
        void awaitCleanVerdicts(int n) throws InterruptedException {
            for (int i = 0; i < n; i++) {
                String v = await("VERDICT", 30);
                assertThat(v).startsWith("VERDICT clean");
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void agentsReconnectAfterKillMinus9AndSigtermAndTheChainVerifies() throws Exception {
        Path data = tmp.resolve("data");
        Path bootDb = tmp.resolve("boot.db");
        String nonce;
        try (SqliteBootEventLog boots = SqliteBootEventLog.open(bootDb)) {
            nonce = TestAppliance.boot(boots, MAC);
        }
        int enrollPort = freePort();
        int attestPort = freePort();
        ServerProcess server = new ServerProcess(data, bootDb, enrollPort, attestPort);
        String caFingerprint = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(org.leo.attest.ca.Pem.readCertificate(data.resolve("ca/ca.crt")).getEncoded()));
        Agent agent = new Agent(new AgentConfig("127.0.0.1", enrollPort, attestPort, caFingerprint, MAC.toString(),
                TestAppliance.cmdline(nonce), Duration.ofMillis(500)), new SimulatedHost(TestAppliance.cmdline(nonce)), Map.of());
        Thread agentThread = new Thread(agent, "agent");
        agentThread.start();
        try {
            server.awaitCleanVerdicts(5);

            // SIGKILL: no shutdown hook, no close; whatever was committed is the log.
            server.process.toHandle().destroyForcibly();
            assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(server.process.exitValue()).isEqualTo(137);
            ChainReport afterKill = AttestationLog.verify(data.resolve("attest.db"));
            System.out.println("after kill -9: " + afterKill.sentence());
            assertThat(afterKill.intact()).isTrue();

            server = new ServerProcess(data, bootDb, enrollPort, attestPort);
            server.awaitCleanVerdicts(5); // the agent came back by itself, with the baseline saved before the kill

            // SIGTERM: a clean stop (shutdown hook closes the node).
            server.process.destroy();
            assertThat(server.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            server = new ServerProcess(data, bootDb, enrollPort, attestPort);
            server.awaitCleanVerdicts(3);
        } finally {
            agent.close();
            agentThread.join(10_000);
            server.close();
        }
        ChainReport end = AttestationLog.verify(data.resolve("attest.db"));
        System.out.println("at the end: " + end.sentence());
        assertThat(end.intact()).isTrue();
        try (AttestationLog log = AttestationLog.open(data.resolve("attest.db"))) {
            List<ChainedEntry> all = log.since(0, 10_000);
            assertThat(all.stream().filter(e -> e.entry().eventId().equals("server.start")).count()).isEqualTo(3);
            assertThat(all.stream().filter(e -> e.entry().eventId().equals("enroll.accepted")).count()).isEqualTo(1);
            assertThat(all.stream().filter(e -> e.entry().eventId().equals("baseline.taken")).count()).isEqualTo(1);
            assertThat(all.stream().filter(e -> e.entry().kind() == org.leo.attest.log.LogEntry.Kind.FINDING).toList()).isEmpty();
        }
    }
}
