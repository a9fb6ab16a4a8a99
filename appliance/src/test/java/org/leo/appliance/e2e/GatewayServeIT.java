package org.leo.appliance.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.leo.appliance.gateway.GatewayTopology;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.ChainedEntry;
import org.leo.pxe.vm.Exec;

/**
 * The gateway's wiring into the packaged {@code leo}: {@code leo gateway apply} loads the ruleset in the Pi's namespace,
 * {@code leo pxe serve --attest} (the same code as {@code leo serve}) finds the table at start and reads it, and an HPC's
 * blocked attempt to reach the outside becomes a {@code network.egress.blocked} finding about its MAC in the attestation
 * log. What the ruleset does packet by packet is GatewayNetnsTest's.
 */
@Tag("system")
class GatewayServeIT {
    @Test
    void anHpcsBlockedAttemptBecomesAFindingOfTheRunningAppliance() throws Exception {
        assumeTrue(Files.isRegularFile(LeoPxeServer.JAR), "the packaged leo (" + LeoPxeServer.JAR + ") is missing: run mvn verify");
        Optional<String> unavailable = GatewayTopology.unavailable("ip", "nft", "socat");
        assumeTrue(unavailable.isEmpty(), unavailable.orElse(""));
        Path run = Files.createTempDirectory("leohN-serve-");
        GatewayTopology net = GatewayTopology.of("leohNs");
        try (net) {
            net.create();
            Exec.Result apply = Exec.run(Duration.ofSeconds(60), net.pi().command("java", "-jar", LeoPxeServer.JAR.toAbsolutePath().toString(),
                    "gateway", "apply", "--interface", net.pi().ifName(), "--address", net.pi().address(), "--gateway-uplink", net.uplink()));
            assertThat(apply.exitCode()).as(apply.output()).isZero();
            assertThat(apply.output()).contains("leo gateway apply: table inet leo loaded: HPC segment " + net.pi().ifName() + " (10.77.0.0/24)");

            Path policy = Files.writeString(run.resolve("policy.properties"), "tpm.required=false\n");
            try (CrashableLeoServer server = new CrashableLeoServer(net.pi(), run, E2eFiles.placeholderBootRoot(run.resolve("root")),
                    List.of("--enroll", GatewayTopology.HPC_MAC + "=10.77.0.10", "--no-warmup", "--no-ra", "--attest", "--attest-policy",
                            policy.toString(), "--gateway-watch", "1"))) {
                server.start();
                assertThat(server.log()).contains("leo pxe serve: gateway: blocked attempts from the HPC segment become findings "
                        + "(table inet leo, read every 1 s)");

                Exec.Result out = Exec.run(Duration.ofSeconds(10), net.hpc().command("socat", "-T", "2", "-", "TCP:192.0.2.7:443,connect-timeout=0.5"));
                assertThat(out.exitCode()).as("the outside is not reached: %s", out.output()).isNotZero();

                ChainedEntry finding = awaitFinding(server.dataDir().resolve("attest").resolve("attest.db"), Duration.ofSeconds(30));
                assertThat(finding.entry().severity()).isEqualTo("error");
                assertThat(finding.entry().message()).isEqualTo("HPC " + GatewayTopology.HPC_MAC
                        + ": the Pi's gateway blocked 1 packet from 10.77.0.10 to tcp 192.0.2.7:443 x1");
                System.out.println("GatewayServeIT: " + finding.entry().at() + " " + finding.entry().message());
            }
        } finally {
            PxeBootIT.deleteTree(run);
        }
    }

    /** The first network.egress.blocked entry of the attestation log (read while the server runs: WAL), within {@code bound}. */
    private static ChainedEntry awaitFinding(Path db, Duration bound) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            if (Files.exists(db)) {
                try (AttestationLog log = AttestationLog.open(db)) {
                    Optional<ChainedEntry> e = log.forHpc(GatewayTopology.HPC_MAC, 100).stream()
                            .filter(c -> c.entry().eventId().equals("network.egress.blocked")).findFirst();
                    if (e.isPresent()) {
                        return e.get();
                    }
                }
            }
            assertThat(System.nanoTime()).as("a network.egress.blocked finding within %s", bound).isLessThan(deadline);
            java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); // the watch reads every second
        }
    }
}
