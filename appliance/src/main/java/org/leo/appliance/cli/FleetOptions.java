package org.leo.appliance.cli;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.leo.attest.AttestationNode;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.fleet.EvidenceRelayPort;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.FleetConfig;
import org.leo.consensus.fleet.DispatchHpcTasks;
import org.leo.consensus.fleet.LedgerSettler;
import org.leo.consensus.fleet.PeerCapsuleStore;
import org.leo.consensus.fleet.ReferencePublisher;
import org.leo.consensus.fleet.TaskConfig;
import org.leo.consensus.fleet.TaskExecutions;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.EvmLedger;
import org.leo.consensus.ledger.Ledger;
import picocli.CommandLine.Option;

/**
 * The fleet options of {@code leo pxe serve}: with {@code --fleet} the same process runs this Pi's
 * consensus service (docs/consensus.md) over the attestation server's relay and the Pi's TPM.
 */
public class FleetOptions {
    static final String DIR = "consensus";

    @Option(names = "--fleet", defaultValue = "false",
            description = "Also run the consensus service: this Pi joins the fleet named by --fleet-peers, judges other Pis' HPCs when "
                    + "its verifiable random draw selects it, and relays challenges to its own HPCs (needs --attest and --tpm). "
                    + "Its member keys are made once in DATA-DIR/consensus/member.key.")
    boolean enabled;

    @Option(names = "--fleet-listen", paramLabel = "HOST:PORT", defaultValue = "0.0.0.0:7450",
            description = "The Fleet port (gRPC, mutual TLS with member certificates). Default: ${DEFAULT-VALUE}.")
    String listen;

    @Option(names = "--fleet-peers", paramLabel = "FILE", defaultValue = "/etc/leo/fleet-peers",
            description = "The static peer list, one line per Pi as 'leo fleet identity' prints it (Ansible writes it); re-read "
                    + "before every round when it changed. Its first line's Pi founds the fleet on an empty ledger. "
                    + "Default: ${DEFAULT-VALUE}.")
    Path peers;

    @Option(names = "--fleet-committee-size", paramLabel = "N", defaultValue = "63",
            description = "The expected committee size (votes per round), the same on every Pi (docs/committee-risk.md). "
                    + "Default: ${DEFAULT-VALUE}.")
    int committeeSize;

    @Option(names = "--fleet-starting-credit", paramLabel = "N", defaultValue = "10",
            description = "The credit this Pi admits joining Pis with. Default: ${DEFAULT-VALUE}.")
    long startingCredit;

    @Option(names = "--fleet-round-period", paramLabel = "SECONDS", defaultValue = "60",
            description = "A round of every HPC starts every this many seconds of the (NTP) clock; the same on every Pi. "
                    + "Must exceed spread + deadline + grace. Default: ${DEFAULT-VALUE}.")
    double roundPeriod;

    @Option(names = "--fleet-challenge-spread", paramLabel = "SECONDS", defaultValue = "10",
            description = "A selected verifier challenges after a random delay below this. Default: ${DEFAULT-VALUE}.")
    double challengeSpread;

    @Option(names = "--fleet-round-deadline", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long a verifier waits for the relayed answer before it signs UNTRUSTED (no answer). Default: ${DEFAULT-VALUE}.")
    double roundDeadline;

    @Option(names = "--fleet-verdict-grace", paramLabel = "SECONDS", defaultValue = "10",
            description = "How much longer this Pi keeps its HPCs' rounds open for verdicts. Default: ${DEFAULT-VALUE}.")
    double verdictGrace;

    @Option(names = "--fleet-claim-window", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long after this Pi sees one of its tasks on the ledger it takes the drawn members' claims before it "
                    + "records the task's group; the same on every Pi. Default: ${DEFAULT-VALUE}.")
    double claimWindow;

    @Option(names = "--fleet-task-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "How long a task's guest may run on this Pi's HPC when this Pi executes it; a guest still running then is "
                    + "stopped, its HPC power-cycled and the task not paid. Default: ${DEFAULT-VALUE}.")
    double taskTimeout;

    @picocli.CommandLine.Mixin
    EvmOptions evm = new EvmOptions();

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }

    /** The settings, or an IllegalArgumentException naming what is wrong. */
    FleetConfig config() {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("--fleet-listen '" + listen + "' is not HOST:PORT");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--fleet-listen '" + listen + "': the port is not a number");
        }
        if (taskTimeout <= 0) {
            throw new IllegalArgumentException("--fleet-task-timeout must be positive");
        }
        if (roundPeriod <= 0 || challengeSpread < 0 || roundDeadline <= 0 || verdictGrace < 0) {
            throw new IllegalArgumentException("--fleet-round-period and --fleet-round-deadline must be positive, --fleet-challenge-spread "
                    + "and --fleet-verdict-grace not negative");
        }
        FleetConfig c = FleetConfig.defaults().withBind(new InetSocketAddress(listen.substring(0, colon), port))
                .withExpectedCommitteeSize(committeeSize).withStartingCredit(startingCredit)
                .withSchedule(seconds(roundPeriod), seconds(challengeSpread), seconds(roundDeadline), seconds(verdictGrace));
        c.scheduleProblem().ifPresent(p -> {
            throw new IllegalArgumentException("--fleet-round-period: " + p);
        });
        return c;
    }

    /** What cannot start, said before any port opens. */
    Optional<String> problem(boolean attest, boolean tpm) {
        if (!attest || !tpm) {
            return Optional.of("--fleet needs --attest and --tpm: the Pi relays challenges to its HPCs' agents and its TPM quotes "
                    + "what it relays and its own join");
        }
        if (!Files.isRegularFile(peers)) {
            return Optional.of("--fleet-peers " + peers + " is not a file ('leo fleet identity' prints this Pi's line of it)");
        }
        if (evm.enabled()) {
            Optional<String> e = evm.problem(true, true);
            if (e.isPresent()) {
                return e;
            }
        } else {
            try {
                int listed = org.leo.consensus.fleet.PeerList.read(peers).all().size();
                if (listed > 1) {
                    return Optional.of("--fleet-peers lists " + listed + " Pis: a fleet shares one ledger, give its EVM endpoint (--evm-rpc, "
                            + "--evm-chain-id, --evm-contract, --evm-key-file); the embedded ledger is this Pi's alone");
                }
            } catch (IOException e) {
                return Optional.of("--fleet-peers: " + e.getMessage());
            }
        }
        try {
            config();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /** The fleet's ledger: the EVM contract, or the embedded one in DATA-DIR/consensus/ledger.db. */
    Ledger openLedger(Path dataDir) throws IOException {
        if (evm.enabled()) {
            return EvmLedger.open(evm.config());
        }
        try {
            Files.createDirectories(dataDir.resolve(DIR));
            return EmbeddedLedger.open(dataDir.resolve(LedgerCommand.FILE));
        } catch (java.sql.SQLException e) {
            throw new IOException(dataDir.resolve(LedgerCommand.FILE) + ": " + e.getMessage(), e);
        }
    }

    /** Where the executor's coordinator writes a task's files for the agent while it runs, under the data directory. */
    static final String TASK_FILES = "task-files";

    private static void closeQuietly(FleetAppliance a, Exception cause) {
        try {
            a.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cause.addSuppressed(e);
        }
    }

    /** A running consensus service (its task coordinator stops with it) and the ledger it owns. */
    record Running(FleetAppliance appliance, Ledger ledger) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                appliance.close();
            } finally {
                ledger.close();
            }
        }
    }

    /**
     * Starts the consensus service over {@code attestation}'s relay for the HPCs this Pi serves, publishing their reference
     * values (their goldens, the served manifest and measured-boot expectation) as their baselines are taken.
     */
    Running start(AttestationNode attestation, Path dataDir, Set<MacAddress> hpcs, MeterRegistry registry) throws IOException {
        var tpm = attestation.piTpm().orElseThrow(() -> new IOException("--fleet needs the Pi's TPM (--tpm)"));
        var relay = attestation.relay().orElseThrow(() -> new IOException("--fleet needs the attestation relay (--tpm)"));
        Ledger ledger = openLedger(dataDir);
        try {
            EvidenceRelayPort port = new EvidenceRelayPort(relay, attestation.log(), attestation.ca().certificate(), hpcs);
            ReferencePublisher.Sources references = ReferencePublisher.Sources.of(attestation.engine(), attestation.manifest(),
                    attestation.bootExpectation(), hpcs);
            // as a verifier, this Pi appraises other Pis' HPCs with the policy its own attestation server uses (--attest-policy)
            FleetAppliance a = FleetAppliance.start(config().withVerifierPolicy(attestation.engine().policy()), dataDir.resolve(DIR), peers, ledger,
                    tpm, Optional.of(port), Optional.of(references), registry, Clock.systemUTC(), p -> { });
            try {
                PeerCapsuleStore capsules = a.serveTasks(TaskConfig.defaults().withClaimWindow(seconds(claimWindow)), dataDir);
                // elected executor, this Pi runs the task on one of its HPCs through the attestation server's task stream, power-cycles
                // it with the HPC's own control (--power) and settles on the ledger at the clean-up certificate (docs/tasks.md)
                a.node().executeTasks(new DispatchHpcTasks(attestation.engine(), attestation.actions().power(), dataDir.resolve(TASK_FILES)),
                        new LedgerSettler(a.node().ledger()), TaskExecutions.Config.defaults().withTimeout(seconds(taskTimeout)), dataDir, capsules);
            } catch (IOException | RuntimeException e) {
                closeQuietly(a, e);
                throw e;
            }
            return new Running(a, ledger);
        } catch (IOException | RuntimeException e) {
            ledger.close();
            throw e;
        }
    }
}
