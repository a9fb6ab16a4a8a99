package org.leo.consensus.ledger;

import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.leo.consensus.quorum.Verdict.Outcome;
import org.leo.consensus.sortition.SortitionConfig;

/**
 * Gas per record kind on a fresh LeoLedger: every kind once, and certificates of 1, 5, 43 and 63
 * verdicts (about 43 verdicts form a certificate at the default expected committee of 63). The
 * records are deterministic ({@link TestFleet}), so the figures are the same on every run of the same
 * contract and compiler. {@link #main} starts anvil and prints the section of docs/benchmarks.md
 * ({@code bench/evm-gas.sh} writes it there).
 */
final class EvmGasReport {
    /** One appended record: what it was, its body's size, the gas its transaction used. */
    record Row(String record, int bodyBytes, long gas) {
    }

    private EvmGasReport() {
    }

    static List<Row> measure(URI rpc) {
        long chain = AnvilProcess.CHAIN_ID;
        String key = AnvilProcess.DEV_KEYS.get(0);
        List<Row> rows = new ArrayList<>();
        long deployGas;
        String address;
        try (EvmAccount owner = EvmAccount.connect(rpc, chain, key, EvmLedgerConfig.DEFAULT_RECEIPT_TIMEOUT)) {
            var receipt = LeoLedgerContract.deploy(owner);
            deployGas = receipt.getGasUsed().longValueExact();
            address = receipt.getContractAddress();
        }
        rows.add(new Row("deployment (once)", 0, deployGas));
        int fleet = SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE;
        try (EvmLedger ledger = EvmLedger.open(new EvmLedgerConfig(rpc, chain, key, address))) {
            for (int i = 0; i < fleet; i++) {
                append(ledger, TestFleet.admission(i, 100), i == 0 ? "MemberAdmitted, the ledger's first entry" : i == 1 ? "MemberAdmitted" : null, rows);
            }
            append(ledger, TestFleet.referenceValues(), "ReferenceValues", rows);
            long round = 1;
            for (int verdicts : new int[] {1, 5, 43, fleet}) {
                append(ledger, TestFleet.certificate(TestFleet.round(round++), Outcome.TRUSTED, 0, verdicts),
                        "CertificateRecorded, " + verdicts + " verdict" + (verdicts == 1 ? "" : "s"), rows);
            }
            long certificate = ledger.head().orElseThrow().seq();
            append(ledger, TestFleet.againstCertificate(fleet - 1, certificate - 1), "CreditChanged (-1, verdict against a certificate)", rows);
            append(ledger, TestFleet.equivocation(0, TestFleet.round(round)), "EquivocationRecorded", rows);
            append(ledger, TestFleet.service(0, 3), "ServicePublished (a 4-character name)", rows);
            long service = ledger.head().orElseThrow().seq();
            append(ledger, TestFleet.deposit(1, 1000), "TokensDeposited (deposit(), a member's first)", rows);
            append(ledger, TestFleet.deposit(1, 1000), "TokensDeposited (deposit(), a later one)", rows);
            settle(ledger, service, 3, rows);
            settle(ledger, service, 10, rows);
            long task = append(ledger, TestFleet.task(1, service, 10, 1), null, rows).seq();
            append(ledger, TestFleet.referenceValues(), null, rows);
            append(ledger, new LedgerRecord.TaskExpired(task), "TaskExpired (the owner refunded less the burn)", rows);
            ledger.withdraw(TestFleet.member(1), 100);
            rows.add(new Row("TokensWithdrawn (withdraw(), paid out in wei)", 60, ledger.lastAppendGasUsed()));
        }
        return rows;
    }

    /** A task of member 1 with a group of {@code size} (executor 2, monitors 3..), its clean-up certificate and its settlement. */
    private static void settle(EvmLedger ledger, long service, int size, List<Row> rows) {
        boolean first = size == 3;
        long task = append(ledger, TestFleet.task(1, service, 100), first ? "TaskSubmitted (2 data capsules; escrows the payment)" : null, rows).seq();
        int[] monitors = new int[size - 1];
        for (int i = 0; i < monitors.length; i++) {
            monitors[i] = 3 + i;
        }
        LedgerRecord.GroupElected group = TestFleet.group(task, 2, monitors);
        byte[] head = append(ledger, group, "GroupElected (executor and " + (size - 1) + " monitors)", rows).hash();
        long certificate = append(ledger, TestFleet.taskCertificate(task, head, org.leo.consensus.task.TaskRound.Phase.CLEANUP, 0, Outcome.TRUSTED,
                monitors), first ? "CertificateRecorded, a task's clean-up round, 2 verdicts" : null, rows).seq();
        append(ledger, TestFleet.settled(group, certificate), "TaskSettled (executor and " + (size - 1) + " monitors paid)", rows);
    }

    private static LedgerEntry append(EvmLedger ledger, LedgerRecord record, String label, List<Row> rows) {
        LedgerEntry e = ledger.append(record);
        if (label != null) {
            rows.add(new Row(label, record.body().length, ledger.lastAppendGasUsed()));
        }
        return e;
    }

    static long gas(List<Row> rows, String record) {
        return rows.stream().filter(r -> r.record().equals(record)).findFirst().orElseThrow().gas();
    }

    /** The table, and the marginal gas of one verdict (between the 5- and the 43-verdict certificate). */
    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder("| record | body bytes | gas |\n|---|---|---|\n");
        for (Row r : rows) {
            out.append(String.format("| %s | %s | %,d |%n", r.record(), r.bodyBytes() == 0 ? "-" : String.format("%,d", r.bodyBytes()), r.gas()));
        }
        long five = gas(rows, "CertificateRecorded, 5 verdicts");
        long fortyThree = gas(rows, "CertificateRecorded, 43 verdicts");
        out.append(String.format("%nEach verdict beyond the fifth adds %,d gas (between 5 and 43 verdicts).%n", (fortyThree - five) / 38));
        return out.toString();
    }

    public static void main(String[] args) throws Exception {
        try (AnvilProcess anvil = AnvilProcess.start()) {
            List<Row> rows = measure(anvil.rpc());
            System.out.println("Command: `bench/evm-gas.sh` (anvil 1.7.1 from npm `@foundry-rs/anvil` at its default hardfork,"
                    + " Osaka/BPO1; solc 0.8.37 from npm `solc`, EVM version cancun, optimizer 200 runs; the deterministic records of"
                    + " `TestFleet`), " + LocalDate.now() + ".");
            System.out.println();
            System.out.println("Gas used by each append's transaction (the 21,000 of any transaction and the calldata included)."
                    + " The fleet has " + SortitionConfig.DEFAULT_EXPECTED_COMMITTEE_SIZE + " members with 100 credit each; verdicts are"
                    + " 259 bytes each (the HPC named by its 6-byte MAC), 261 with their length prefix.");
            System.out.println();
            System.out.print(table(rows));
        }
    }
}
