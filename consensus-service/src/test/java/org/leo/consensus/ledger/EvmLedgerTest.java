package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict.Outcome;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Credentials;

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
        records.add(TestFleet.service(0, 3)); // #12
        records.add(TestFleet.deposit(1, 10)); // #13
        records.add(TestFleet.task(1, 12, 10)); // #14
        records.add(TestFleet.group(14, 0, 2, 3));
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
                Map<String, Long> balances = evm.balances();
                assertThatThrownBy(() -> evm.append(refused.record())).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(refused.javaReason());
                LeoLedgerContract contract = LeoLedgerContract.at(owner, config.contract());
                assertThatThrownBy(() -> contract.append(refused.record().type(), refused.record().body()))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(refused.contractReason());
                assertThat(evm.head().orElseThrow().seq()).isEqualTo(TestFleet.PREFIX.size());
                assertThat(evm.credits()).isEqualTo(before);
                assertThat(evm.balances()).isEqualTo(balances).containsEntry(TestFleet.memberHex(1), 70L);
                assertThat(evm.tokens()).isEqualTo(new LedgerRules.Tokens(100, 79, 20, 1, 0));
                assertThat(evm.verifyChain()).isEmpty();
            }
        }
    }

    @Test
    void strangersMalformedRecordsAndCreditTransfersAreRefusedAndASecondApplianceAppends() throws Exception {
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

                assertThatThrownBy(() -> asStranger.append(next.type(), next.body())).hasMessageContaining("LeoLedger: not an admitted appliance account");
                LedgerRecord penalty = TestFleet.againstCertificate(1, certificate.seq());
                assertThatThrownBy(() -> asStranger.append(penalty.type(), penalty.body()))
                        .as("a direct call to change credit from a non-admitted account").hasMessageContaining("LeoLedger: not an admitted appliance account");
                assertThatThrownBy(() -> asStranger.admitAccount(stranger.address())).hasMessageContaining("LeoLedger: only the owner admits accounts");
                assertThatThrownBy(() -> asOwner.append(13, next.body())).hasMessageContaining("LeoLedger: unknown record type");
                byte[] cut = java.util.Arrays.copyOf(next.body(), next.body().length - 1);
                assertThatThrownBy(() -> asOwner.append(next.type(), cut)).hasMessageContaining("LeoLedger: malformed reference values");
                assertThatThrownBy(() -> asOwner.append(next.type(), new byte[0])).hasMessageContaining("LeoLedger: body length out of bounds");
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
                    assertThat(second.append(next).hash()).as("the contract's seq and hash for it are the Java chain's").isEqualTo(nextHash);
                }
                assertThat(evm.head().orElseThrow().seq()).as("the first appliance reads the second's entry").isEqualTo(4);
                assertThat(evm.append(penalty).seq()).isEqualTo(5);
                evm.removeAccount(stranger.address());
                try (EvmLedger second = EvmLedger.open(secondConfig)) {
                    assertThat(second.head().orElseThrow().seq()).isEqualTo(5);
                    assertThatThrownBy(() -> second.append(TestFleet.admission(2, 100)))
                            .hasMessage("ledger append after #5 refused by the contract: execution reverted: LeoLedger: not an admitted appliance account");
                }
                assertThat(evm.credits()).containsEntry(TestFleet.memberHex(1), 99L);
                assertThat(evm.verifyChain()).isEmpty();
            }
        }
    }

    /**
     * Seven appliances, each with its own account, append at once to one contract that mines a block a
     * second: each admits its member, then records certificates of its own rounds. The contract orders each
     * block's transactions into consecutive entries, so no append is refused and they share blocks.
     */
    @Test
    void sevenAppliancesAppendAtOnceAndShareBlocks() throws Exception {
        int appliances = 7;
        int certificatesEach = 4;
        int appends = appliances * (1 + certificatesEach);
        try (AnvilProcess anvil = AnvilProcess.start()) {
            String address = EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER);
            List<EvmLedger> ledgers = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(appliances);
            try (EvmAccount reader = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, EvmLedgerConfig.DEFAULT_RECEIPT_TIMEOUT)) {
                for (int i = 0; i < appliances; i++) {
                    String key = AnvilProcess.DEV_KEYS.get(i);
                    if (i > 0) {
                        ledgers.get(0).admitAccount(Credentials.create(key).getAddress());
                    }
                    ledgers.add(EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), CHAIN, key, address)));
                }
                anvil.intervalMining(1);
                CyclicBarrier start = new CyclicBarrier(appliances);
                List<Future<List<LedgerEntry>>> running = new ArrayList<>();
                for (int i = 0; i < appliances; i++) {
                    int member = i;
                    EvmLedger ledger = ledgers.get(i);
                    running.add(pool.submit(() -> {
                        start.await();
                        List<LedgerEntry> mine = new ArrayList<>();
                        mine.add(ledger.append(TestFleet.admission(member, 100)));
                        for (int k = 0; k < certificatesEach; k++) {
                            mine.add(ledger.append(TestFleet.certificate(TestFleet.round(100L * member + k), Outcome.TRUSTED, member, 1)));
                        }
                        return mine;
                    }));
                }
                List<Long> seqs = new ArrayList<>();
                for (Future<List<LedgerEntry>> f : running) {
                    List<LedgerEntry> mine = f.get(3, TimeUnit.MINUTES);
                    assertThat(mine).extracting(LedgerEntry::seq).as("one appliance's entries, in the order it appended them").isSorted();
                    mine.forEach(e -> seqs.add(e.seq()));
                }
                assertThat(seqs).as("every append succeeded, each a different entry").hasSize(appends).doesNotHaveDuplicates()
                        .allMatch(seq -> seq >= 1 && seq <= appends);

                TreeMap<Long, Long> perBlock = LeoLedgerContract.at(reader, address).appended(0, reader.blockNumber()).stream()
                        .collect(Collectors.groupingBy(LeoLedgerContract.Appended::block, TreeMap::new, Collectors.counting()));
                System.out.printf("%d appliances appended %d entries at once in %d blocks (blocks %d..%d, at most %d in one block): %s%n",
                        appliances, appends, perBlock.size(), perBlock.firstKey(), perBlock.lastKey(),
                        perBlock.values().stream().mapToLong(Long::longValue).max().orElse(0), perBlock);
                assertThat(perBlock.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(appends);
                assertThat(perBlock.size()).as("blocks for %d appends", appends).isLessThanOrEqualTo(appends / 3);

                EvmLedger first = ledgers.get(0);
                List<String> lines = first.entries(1, 100).stream().map(LedgerEntry::toString).toList();
                Map<String, Long> credit = new java.util.HashMap<>();
                for (int i = 0; i < appliances; i++) {
                    credit.put(TestFleet.memberHex(i), 100L + certificatesEach);
                }
                for (EvmLedger l : ledgers) {
                    assertThat(l.head().orElseThrow().seq()).isEqualTo(appends);
                    assertThat(l.headHash()).isEqualTo(first.headHash());
                    assertThat(l.entries(1, 100)).extracting(LedgerEntry::toString).hasSize(appends).isEqualTo(lines);
                    assertThat(l.credits()).isEqualTo(credit);
                    assertThat(l.verifyChain()).isEmpty();
                }
            } finally {
                pool.shutdownNow();
                ledgers.forEach(EvmLedger::close);
            }
        }
    }

    /**
     * A partition, or a restarted collector: two appliances record a certificate for the same round at the
     * same time, one TRUSTED and one UNTRUSTED. Both pass their own replay's rules (neither has seen the
     * other's); exactly one is recorded, and the other is refused with the reason (by the contract, or by
     * the rules if its appliance had already read the first).
     */
    @Test
    void twoAppliancesCertifyingOneRoundAtOnceRecordOneCertificate() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            String address = EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (EvmLedger a = EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, address));
                 EvmAccount reader = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, EvmLedgerConfig.DEFAULT_RECEIPT_TIMEOUT)) {
                a.admitAccount(Credentials.create(STRANGER).getAddress());
                for (int i = 0; i < 4; i++) {
                    a.append(TestFleet.admission(i, 100));
                }
                try (EvmLedger b = EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), CHAIN, STRANGER, address))) {
                    anvil.intervalMining(1);
                    RoundId round = TestFleet.round(5);
                    List<LedgerRecord> records = List.of(TestFleet.certificate(round, Outcome.TRUSTED, 0, 2),
                            TestFleet.certificate(round, Outcome.UNTRUSTED, 2, 2));
                    List<EvmLedger> both = List.of(a, b);
                    CyclicBarrier start = new CyclicBarrier(2);
                    List<Future<Object>> racing = new ArrayList<>();
                    for (int i = 0; i < 2; i++) {
                        EvmLedger ledger = both.get(i);
                        LedgerRecord record = records.get(i);
                        racing.add(pool.submit(() -> {
                            start.await();
                            try {
                                return ledger.append(record);
                            } catch (IllegalArgumentException refused) {
                                return refused;
                            }
                        }));
                    }
                    List<Object> outcomes = new ArrayList<>();
                    for (Future<Object> f : racing) {
                        outcomes.add(f.get(2, TimeUnit.MINUTES));
                    }
                    System.out.println("two certificates for one round at once: " + outcomes);
                    assertThat(outcomes).filteredOn(LedgerEntry.class::isInstance).as("recorded").hasSize(1);
                    assertThat(outcomes).filteredOn(IllegalArgumentException.class::isInstance).as("refused").singleElement()
                            .extracting(o -> ((Exception) o).getMessage()).asString().contains("already has a certificate");
                    int winner = outcomes.get(0) instanceof LedgerEntry ? 0 : 1;
                    LedgerEntry recorded = (LedgerEntry) outcomes.get(winner);
                    assertThat(recorded.seq()).isEqualTo(5);
                    assertThat(LeoLedgerContract.at(reader, address).certificateOfRound(round, reader.blockNumber())).isEqualTo(5);

                    Map<String, Long> credit = new java.util.HashMap<>();
                    for (int i = 0; i < 4; i++) {
                        credit.put(TestFleet.memberHex(i), i / 2 == winner ? 101L : 100L);
                    }
                    for (EvmLedger l : both) {
                        assertThat(l.head().orElseThrow().seq()).as("one certificate, nothing else").isEqualTo(5);
                        assertThat(l.entries(5, 10)).extracting(LedgerEntry::toString).containsExactly(recorded.toString());
                        assertThat(l.credits()).isEqualTo(credit);
                        assertThat(l.verifyChain()).isEmpty();
                    }
                    EvmLedger loser = both.get(1 - winner);
                    assertThatThrownBy(() -> loser.append(records.get(1 - winner))).as("and again, now that its replay has the first")
                            .isInstanceOf(IllegalArgumentException.class)
                            .hasMessage("ledger append #6 refused: " + "round " + round.round() + " of HPC " + round.hpc() + " already has a certificate: entry #5");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The race inside one block, made certain: appliance B estimates its certificate before appliance A's
     * certificate for the same round is sent (relays hold A's eth_sendRawTransaction until B's estimate is
     * answered, and B's until A's is in), so both pass every check before sending and both are mined, A's
     * first. B's transaction reverts in its block, and B's append is refused with the contract's reason.
     */
    @Test
    void aCertificateThatLosesTheRaceInsideABlockIsRefusedWithTheContractsReason() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            String address = EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER);
            CountDownLatch estimatedB = new CountDownLatch(1);
            CountDownLatch sentA = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try (EvmLedger owner = EvmLedger.open(new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, address));
                 EvmAccount reader = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, EvmLedgerConfig.DEFAULT_RECEIPT_TIMEOUT);
                 RpcRelay relayA = new RpcRelay(anvil.rpc()).hold("eth_sendRawTransaction", estimatedB).signalAfter("eth_sendRawTransaction", sentA);
                 RpcRelay relayB = new RpcRelay(anvil.rpc()).hold("eth_sendRawTransaction", sentA).signalAfter("eth_estimateGas", estimatedB)) {
                owner.admitAccount(Credentials.create(STRANGER).getAddress());
                for (int i = 0; i < 4; i++) {
                    owner.append(TestFleet.admission(i, 100));
                }
                try (EvmLedger a = EvmLedger.open(new EvmLedgerConfig(relayA.rpc(), CHAIN, OWNER, address));
                     EvmLedger b = EvmLedger.open(new EvmLedgerConfig(relayB.rpc(), CHAIN, STRANGER, address))) {
                    anvil.intervalMining(1);
                    RoundId round = TestFleet.round(5);
                    Future<LedgerEntry> first = pool.submit(() -> a.append(TestFleet.certificate(round, Outcome.TRUSTED, 0, 2)));
                    Future<LedgerEntry> second = pool.submit(() -> b.append(TestFleet.certificate(round, Outcome.UNTRUSTED, 2, 2)));
                    LedgerEntry recorded = first.get(2, TimeUnit.MINUTES);
                    ExecutionException refused = catchThrowableOfType(() -> second.get(2, TimeUnit.MINUTES), ExecutionException.class);
                    long block = LeoLedgerContract.at(reader, address).appended(0, reader.blockNumber()).get(4).block();
                    assertThat(refused).as("B's append").isNotNull();
                    System.out.println("A's certificate: " + recorded + " in block " + block + "; B's append: " + refused.getCause().getMessage());
                    assertThat(refused.getCause()).isInstanceOf(IllegalArgumentException.class)
                            .hasMessageStartingWith("ledger append after #4 refused by the contract: execution reverted: LeoLedger: round already has a"
                                    + " certificate (transaction 0x")
                            .hasMessageContaining(" reverted in block ");
                    assertThat(recorded.seq()).isEqualTo(5);
                    for (EvmLedger l : List.of(a, b)) {
                        assertThat(l.head().orElseThrow().seq()).isEqualTo(5);
                        assertThat(l.credits()).isEqualTo(Map.of(TestFleet.memberHex(0), 101L, TestFleet.memberHex(1), 101L,
                                TestFleet.memberHex(2), 100L, TestFleet.memberHex(3), 100L));
                        assertThat(l.verifyChain()).isEmpty();
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /**
     * The contract's head overwritten behind the ledgers' backs (anvil_setStorageAt; slot 2 is {@code head}):
     * the next entry chains from it, and append, recomputing the hash from its own replay, refuses it,
     * naming both hashes.
     */
    @Test
    void anEntryThatDoesNotChainFromTheReplaysHeadIsCaughtOnReadBack() throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            EvmLedgerConfig config = new EvmLedgerConfig(anvil.rpc(), CHAIN, OWNER, EvmLedger.deploy(anvil.rpc(), CHAIN, OWNER));
            try (EvmLedger evm = EvmLedger.open(config);
                 EvmAccount owner = EvmAccount.connect(anvil.rpc(), CHAIN, OWNER, config.receiptTimeout())) {
                byte[] head = evm.append(TestFleet.admission(0, 100)).hash();
                byte[] forged = TestFleet.sha256("forged head");
                anvil.setStorage(config.contract(), 2, forged);
                assertThat(LeoLedgerContract.at(owner, config.contract()).head(owner.blockNumber())).as("slot 2 is the head").isEqualTo(forged);
                LedgerRecord next = TestFleet.admission(1, 100);
                String onChain = HexFormat.of().formatHex(LedgerEntry.chain(2, next, forged).hash());
                String replayed = HexFormat.of().formatHex(LedgerEntry.chain(2, next, head).hash());
                assertThatThrownBy(() -> evm.append(next)).isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("ledger append: transaction 0x")
                        .hasMessageEndingWith(" recorded entry #2 with hash " + onChain + ", but chained from entry #1 it hashes to " + replayed);
                assertThat(evm.verifyChain()).hasValue("entry #2 hashes to " + replayed + ", the contract recorded " + onChain);
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
