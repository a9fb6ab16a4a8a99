package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.fleet.FleetAppliance;
import org.leo.consensus.fleet.PeerList;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.TpmEndpoint;
import org.leo.protocol.tpm.WrapKeyFile;
import picocli.CommandLine;

/**
 * {@code leo fleet identity} prints a line the peer list parses, with the same member key every time, and writes the
 * public half of the TPM's wrap key; and
 * {@code leo pxe serve --fleet} refuses, before any port opens, what cannot work: no TPM, no peer list, a
 * fleet of several Pis on the embedded ledger, an EVM ledger without its key, a schedule a round outlasts.
 */
class FleetCommandTest {
    @TempDir
    Path dir;

    @Test
    void identityPrintsThisPisPeerLineWithTheSameMemberKeyEveryTime() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed: scripts/install-deps");
        try (SwtpmProcess tpm = SwtpmProcess.start()) {
            Path key = dir.resolve("evm.key");
            Files.writeString(key, "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n");
            String[] args = {"fleet", "identity", "--data-dir", dir.toString(), "--tpm", "swtpm:127.0.0.1:" + tpm.port(), "--address",
                "10.78.0.1:7450", "--mac", "52:54:00:77:00:10,52:54:00:77:00:11", "--evm-key-file", key.toString()};
            AttestCommandTest.Run first = AttestCommandTest.leo(args);
            assertThat(first.status()).as(first.err()).isZero();
            PeerList peers = PeerList.parse(first.out(), "identity");
            assertThat(peers.all()).hasSize(1);
            PeerList.Peer p = peers.all().get(0);
            assertThat(p.host()).isEqualTo("10.78.0.1");
            assertThat(p.port()).isEqualTo(7450);
            assertThat(p.hpcs()).hasToString("[52:54:00:77:00:10, 52:54:00:77:00:11]");
            assertThat(p.caSha256()).isPresent();
            assertThat(first.out()).contains("# evm-account 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266").containsPattern("# vrf-key [0-9a-f]{64}");
            Path wrapKey = dir.resolve(FleetAppliance.CAPSULE_WRAP_KEY);
            assertThat(first.out()).contains("# capsule-wrap-key " + WrapKeyFile.read(wrapKey).fingerprint() + " " + wrapKey + "\n");
            try (Tpm t = Tpm.open(TpmEndpoint.parse("swtpm:127.0.0.1:" + tpm.port()))) {
                assertThat(WrapKeyFile.read(wrapKey)).as("the TPM's wrap key").isEqualTo(t.wrapKeyPublic());
            }
            String[] json = java.util.Arrays.copyOf(args, args.length + 1);
            json[args.length] = "--json";
            com.fasterxml.jackson.databind.JsonNode shown = new com.fasterxml.jackson.databind.ObjectMapper().readTree(AttestCommandTest.leo(json).out());
            assertThat(shown.get("line").asText()).isEqualTo(p.toLine());
            assertThat(shown.get("hpcs")).hasSize(2);
            assertThat(shown.get("evmAccount").asText()).isEqualTo("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
            assertThat(shown.get("capsuleWrapKey").asText()).isEqualTo(WrapKeyFile.read(wrapKey).fingerprint());
            AttestCommandTest.Run second = AttestCommandTest.leo(args);
            assertThat(PeerList.parse(second.out(), "again").all().get(0).toLine()).as("the same keys, CA and TPM").isEqualTo(p.toLine());
        }
        assertThat(AttestCommandTest.leo("fleet", "identity", "--data-dir", dir.toString(), "--tpm", "swtpm:127.0.0.1:1", "--address", "pi1")
                .err()).contains("--address 'pi1' is not HOST:PORT");
        assertThat(AttestCommandTest.leo("fleet", "identity", "--data-dir", dir.toString(), "--tpm", "swtpm:127.0.0.1:1", "--address",
                "pi1:7450", "--mac", "nope").err()).contains("--mac 'nope' is not a MAC address");
    }

    @Test
    void serveRefusesAFleetThatCannotWorkBeforeAnyPortOpens() throws Exception {
        Path peers = dir.resolve("fleet-peers");
        String line = "%s 10.78.0.%d:7450 %s";
        Files.writeString(peers, String.format(line, "11".repeat(32), 1, "aa".repeat(32)) + "\n" + String.format(line, "22".repeat(32), 2, "bb".repeat(32)) + "\n");
        assertThat(problem("--fleet", "--fleet-peers", peers.toString())).contains("--fleet needs --attest and --tpm");
        assertThat(problem("--fleet", "--attest", "--tpm", "swtpm:127.0.0.1:2321", "--fleet-peers", dir.resolve("none").toString()))
                .contains("is not a file ('leo fleet identity' prints this Pi's line of it)");
        assertThat(problem("--fleet", "--attest", "--tpm", "swtpm:127.0.0.1:2321", "--fleet-peers", peers.toString()))
                .contains("--fleet-peers lists 2 Pis: a fleet shares one ledger, give its EVM endpoint");
        assertThat(problem("--fleet", "--attest", "--tpm", "swtpm:127.0.0.1:2321", "--fleet-peers", peers.toString(), "--evm-rpc",
                "http://10.78.0.254:8545", "--evm-chain-id", "31337", "--evm-contract", "0x" + "5f".repeat(20)))
                .contains("writing to the EVM ledger needs --evm-key-file");
        Files.writeString(peers, String.format(line, "11".repeat(32), 1, "aa".repeat(32)) + "\n");
        assertThat(problem("--fleet", "--attest", "--tpm", "swtpm:127.0.0.1:2321", "--fleet-peers", peers.toString(), "--fleet-round-period",
                "10")).contains("--fleet-round-period: the round period (10000 ms) must exceed the challenge spread, round deadline and verdict "
                        + "grace together (50000 ms)");
        assertThat(problem("--fleet", "--attest", "--tpm", "swtpm:127.0.0.1:2321", "--fleet-peers", peers.toString())).isEmpty();
    }

    /** What FleetOptions says of these options, or empty. */
    private static String problem(String... args) {
        PxeServeCommand c = new PxeServeCommand();
        new CommandLine(c).parseArgs(args);
        return c.fleet.problem(c.attest.enabled, c.attest.tpm != null).orElse("");
    }
}
