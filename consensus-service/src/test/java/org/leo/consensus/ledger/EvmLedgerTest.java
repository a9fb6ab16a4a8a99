package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.leo.consensus.quorum.Verdict.Outcome;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;

/**
 * The EVM ledger against a real chain: anvil (from the build's npm ci) on a free loopback port, a
 * LeoLedger contract deployed by the build's solc output, the appliance as anvil's first dev account.
 * Skipped without node/npm (nothing compiled, no anvil).
 */
class EvmLedgerTest {
    private static final long CHAIN = AnvilProcess.CHAIN_ID;
    private static final String OWNER = AnvilProcess.DEV_KEYS.get(0);
    private static final String STRANGER = AnvilProcess.DEV_KEYS.get(1);

    @TempDir
    Path tmp;

    @BeforeEach
    void tools() {
        assumeTrue(AnvilProcess.binary().isPresent(), "anvil is not installed (the build's npm ci installs it; node and npm missing?)");
        assumeTrue(EvmLedger.class.getResource("LeoLedger.bin") != null, "LeoLedger.sol is not compiled (node and npm missing?)");
    }

    @Test
    void theEvmChainEqualsTheEmbeddedChainHashForHashAndARestartReadsItBack() throws Exception {
        List<LedgerRecord> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            records.add(TestFleet.admission(i, 100));
        }
        records.add(TestFleet.referenceValues());
        records.add(TestFleet.certificate(TestFleet.round(1), Outcome.TRUSTED, 0, 5)); // #8
        records.add(TestFleet.againstCertificate(5, 8));
        records.add(TestFleet.equivocation(4, TestFleet.round(1)));
        records.add(TestFleet.certificate(TestFleet.round(2), Outcome.UNTRUSTED, 0, 2));
        Map<String, Long> expected = Map.of(TestFleet.memberHex(0), 102L, TestFleet.memberHex(1), 102L, TestFleet.memberHex(2), 101L,
                TestFleet.memberHex(3), 101L, TestFleet.memberHex(4), 51L, TestFleet.memberHex(5), 99L);

        try (AnvilProcess anvil = AnvilProcess.start(); EmbeddedLedger embedded = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            EvmLedgerConfig config = new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER));
            List<String> lines;
            try (EvmLedger evm = EvmLedger.open(config)) {
                assertThat(evm.head()).isEmpty();
                assertThat(evm.headHash()).isEqualTo(Ledger.GENESIS);
                for (LedgerRecord r : records) {
                    LedgerEntry onChain = evm.append(r);
                    LedgerEntry local = embedded.append(r);
                    assertThat(onChain.seq()).isEqualTo(local.seq());
                    assertThat(onChain.hash()).as("entry #%d: the contract's sha256 chain is the Java chain", local.seq()).isEqualTo(local.hash());
                    System.out.printf("%s: %d gas%n", onChain, evm.lastAppendGasUsed());
                }
                lines = evm.entries(1, 100).stream().map(LedgerEntry::toString).toList();
                assertThat(lines).hasSize(records.size()).isEqualTo(embedded.entries(1, 100).stream().map(LedgerEntry::toString).toList());
                assertThat(evm.entries(8, 3)).extracting(LedgerEntry::seq).containsExactly(8L, 9L, 10L);
                assertThat(evm.entries(8, 3).get(0).prevHash()).isEqualTo(embedded.entries(7, 1).get(0).hash());
                assertThat(evm.credits()).as("the contract's credit").isEqualTo(expected).isEqualTo(embedded.credits());
                assertThat(evm.verifyChain()).isEmpty();
            }
            try (EvmLedger restarted = EvmLedger.open(config)) {
                assertThat(restarted.headHash()).isEqualTo(embedded.headHash());
                assertThat(restarted.head().orElseThrow().seq()).isEqualTo(records.size());
                assertThat(restarted.entries(1, 100)).extracting(LedgerEntry::toString).isEqualTo(lines);
                assertThat(restarted.credits()).isEqualTo(expected);
                assertThat(restarted.verifyChain()).isEmpty();
                LedgerRecord.CertificateRecorded back = (LedgerRecord.CertificateRecorded) restarted.entries(8, 1).get(0).record();
                assertThat(back.certificate().problem(5, (m, p, r) -> 1)).as("the certificate re-verifies from the event data").isEmpty();
            }
        }
    }

    /** What EmbeddedLedgerTest.theRulesRefuse refuses, the contract refuses too when called directly, bypassing the Java rules. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.leo.consensus.ledger.TestFleet#refused")
    void theContractRefusesWhatTheRulesRefuse(TestFleet.Refused refused) throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            EvmLedgerConfig config = new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER));
            try (EvmLedger evm = EvmLedger.open(config); EvmAccount owner = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, config.receiptTimeout())) {
                TestFleet.PREFIX.forEach(evm::append);
                Map<String, Long> before = evm.credits();
                assertThatThrownBy(() -> evm.append(refused.record())).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(refused.javaReason());
                LeoLedgerContract contract = LeoLedgerContract.at(owner, config.contract());
                LedgerEntry next = LedgerEntry.chain(7, refused.record(), evm.headHash());
                assertThatThrownBy(() -> contract.append(7, refused.record().type(), refused.record().body(), next.hash()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(refused.contractReason());
                assertThat(evm.head().orElseThrow().seq()).isEqualTo(6);
                assertThat(evm.credits()).isEqualTo(before);
                assertThat(evm.verifyChain()).isEmpty();
            }
        }
    }

    @Test
    void strangersGapsWrongHashesAndCreditTransfersAreRefusedAndASecondApplianceAppends() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            EvmLedgerConfig config = new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER));
            try (EvmLedger evm = EvmLedger.open(config);
                 EvmAccount owner = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, config.receiptTimeout());
                 EvmAccount stranger = EvmAccount.connect(anvil.rpc(), CHAIN, STRANGER, config.receiptTimeout())) {
                evm.append(TestFleet.admission(0, 100));
                evm.append(TestFleet.admission(1, 100));
                LedgerEntry certificate = evm.append(TestFleet.certificate(TestFleet.round(1), Outcome.TRUSTED, 0, 1));
                LeoLedgerContract asOwner = LeoLedgerContract.at(owner, config.contract());
                LeoLedgerContract asStranger = LeoLedgerContract.at(stranger, config.contract());
                LedgerRecord next = TestFleet.referenceValues();
                byte[] nextHash = LedgerEntry.chain(4, next, certificate.hash()).hash();

                assertThatThrownBy(() -> asStranger.append(4, next.type(), next.body(), nextHash))
                        .hasMessageContaining("LeoLedger: not an admitted appliance account");
                LedgerRecord penalty = TestFleet.againstCertificate(1, certificate.seq());
                assertThatThrownBy(() -> asStranger.append(4, penalty.type(), penalty.body(), LedgerEntry.chain(4, penalty, certificate.hash()).hash()))
                        .as("a direct call to change credit from a non-admitted account").hasMessageContaining("LeoLedger: not an admitted appliance account");
                assertThatThrownBy(() -> asStranger.admitAccount(stranger.address())).hasMessageContaining("LeoLedger: only the owner admits accounts");
                assertThatThrownBy(() -> asOwner.append(5, next.type(), next.body(), LedgerEntry.chain(5, next, certificate.hash()).hash()))
                        .hasMessageContaining("LeoLedger: not the next seq");
                assertThatThrownBy(() -> asOwner.append(3, next.type(), next.body(), nextHash)).hasMessageContaining("LeoLedger: not the next seq");
                assertThatThrownBy(() -> asOwner.append(4, next.type(), next.body(), LedgerEntry.chain(4, next, Ledger.GENESIS).hash()))
                        .hasMessageContaining("LeoLedger: hash differs from the appliance's");
                assertThatThrownBy(() -> asOwner.append(4, 9, next.body(), nextHash)).hasMessageContaining("LeoLedger: unknown record type");
                byte[] cut = java.util.Arrays.copyOf(next.body(), next.body().length - 1);
                assertThatThrownBy(() -> asOwner.append(4, next.type(), cut, nextHash)).hasMessageContaining("LeoLedger: malformed reference values");
                assertThatThrownBy(() -> asOwner.append(4, next.type(), new byte[0], nextHash)).hasMessageContaining("LeoLedger: body length out of bounds");
                // there is no function that moves credit: a transfer in any of the usual shapes reverts, for anyone
                for (EvmAccount who : List.of(owner, stranger)) {
                    for (Function transfer : List.of(
                            new Function("transfer", List.of(new Bytes32(TestFleet.member(0)), new Bytes32(TestFleet.member(1)), new Uint64(1)), List.of()),
                            new Function("transferCredit", List.of(new Bytes32(TestFleet.member(0)), new Bytes32(TestFleet.member(1)), new Uint64(1)),
                                    List.of()))) {
                        assertThatThrownBy(() -> who.send(config.contract(), FunctionEncoder.encode(transfer)))
                                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("revert");
                    }
                }
                assertThat(evm.head().orElseThrow().seq()).isEqualTo(3);
                assertThat(evm.credits()).isEqualTo(Map.of(TestFleet.memberHex(0), 101L, TestFleet.memberHex(1), 100L));
                assertThat(evm.verifyChain()).isEmpty();

                evm.admitAccount(stranger.address());
                EvmLedgerConfig secondConfig = new EvmLedgerConfig(anvil.rpc(), CHAIN, STRANGER, config.contract());
                try (EvmLedger second = EvmLedger.open(secondConfig)) {
                    assertThat(second.append(next).hash()).isEqualTo(nextHash);
                }
                assertThat(evm.head().orElseThrow().seq()).as("the first appliance reads the second's entry").isEqualTo(4);
                assertThat(evm.append(penalty).seq()).isEqualTo(5);
                evm.removeAccount(stranger.address());
                try (EvmLedger second = EvmLedger.open(secondConfig)) {
                    assertThat(second.head().orElseThrow().seq()).isEqualTo(5);
                    assertThatThrownBy(() -> second.append(TestFleet.admission(2, 100)))
                            .hasMessage("ledger append #6 refused by the contract: execution reverted: LeoLedger: not an admitted appliance account");
                }
                assertThat(evm.credits()).containsEntry(TestFleet.memberHex(1), 99L);
                assertThat(evm.verifyChain()).isEmpty();
            }
        }
    }

    @Test
    void aWrongChainIdOrAnAddressWithoutTheContractIsRefusedAtOpen() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            String address = EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER);
            assertThatThrownBy(() -> EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), 1, OWNER, address)))
                    .hasMessage("the endpoint " + anvil.rpc() + " serves chain 31337, the configuration says 1");
            String nobody = "0x" + "00".repeat(19) + "01";
            assertThatThrownBy(() -> EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, nobody))).hasMessage("no contract at " + nobody);
        }
    }

    @Test
    void gasPerRecordKind() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            List<EvmGasReport.Row> rows = EvmGasReport.measure(anvil.rpc());
            System.out.println(EvmGasReport.table(rows));
            long five = EvmGasReport.gas(rows, "CertificateRecorded, 5 verdicts");
            long fortyThree = EvmGasReport.gas(rows, "CertificateRecorded, 43 verdicts");
            assertThat(fortyThree).isGreaterThan(five).isLessThan(2_000_000);
        }
    }
}
