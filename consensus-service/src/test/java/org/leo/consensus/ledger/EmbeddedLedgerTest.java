package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

class EmbeddedLedgerTest {
    @TempDir
    Path tmp;

    private static final RoundId ROUND = new RoundId(new byte[32], org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), 7);

    private static byte[] key(int i) {
        byte[] k = new byte[32];
        k[0] = (byte) i;
        return k;
    }

    private static byte[] pub(byte[] secret) {
        byte[] p = new byte[32];
        org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(secret, 0, p, 0);
        return p;
    }

    @Test
    void everyKindOfRecordIsChainedReadBackAndSurvivesAReopen() throws Exception {
        Path file = tmp.resolve("ledger.db");
        Verdict a = Verdict.sign(key(1), ROUND, 2, new byte[80], Verdict.Outcome.TRUSTED, new byte[32]);
        Verdict b = Verdict.sign(key(2), ROUND, 3, new byte[80], Verdict.Outcome.TRUSTED, new byte[32]);
        Verdict bAgain = Verdict.sign(key(2), ROUND, 3, new byte[80], Verdict.Outcome.UNTRUSTED, new byte[32]);
        List<String> lines = new ArrayList<>();
        byte[] head;
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            assertThat(l.headHash()).isEqualTo(Ledger.GENESIS);
            l.append(new LedgerRecord.MemberAdmitted(pub(key(1)), key(11), 100));
            l.append(new LedgerRecord.MemberAdmitted(pub(key(2)), key(12), 100));
            l.append(new LedgerRecord.MemberAdmitted(pub(key(3)), key(13), 100));
            l.append(new LedgerRecord.ReferenceValues(org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), key(3), key(4), key(5)));
            LedgerEntry qc = l.append(new LedgerRecord.CertificateRecorded(
                    new QuorumCertificate(ROUND, Verdict.Outcome.TRUSTED, List.of(a, b))));
            l.append(new LedgerRecord.CreditChanged(pub(key(3)), -1, qc.seq(), "verdict against the certificate"));
            l.append(new LedgerRecord.EquivocationRecorded(new Equivocation(b, bAgain)));
            l.entries(1, 100).forEach(e -> lines.add(e.toString()));
            head = l.headHash();
            assertThat(l.credits()).as("+1 for each signer of the certificate, -1 against it, half for equivocation")
                    .isEqualTo(Map.of(hexPub(1), 101L, hexPub(2), 51L, hexPub(3), 99L));
        }
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            assertThat(l.verifyChain()).isEmpty();
            assertThat(l.headHash()).isEqualTo(head);
            assertThat(l.entries(1, 100)).extracting(LedgerEntry::toString).isEqualTo(lines);
            assertThat(l.credits()).as("credit is replayed from the records").isEqualTo(Map.of(hexPub(1), 101L, hexPub(2), 51L, hexPub(3), 99L));
            LedgerRecord.CertificateRecorded back = (LedgerRecord.CertificateRecorded) l.entries(5, 1).get(0).record();
            assertThat(back.certificate().problem(6, (m, p, r) -> HexFormat.of().formatHex(m).equals(a.memberHex()) ? 2 : 3)).isEmpty();
            LedgerRecord.EquivocationRecorded evidence = (LedgerRecord.EquivocationRecorded) l.entries(7, 1).get(0).record();
            assertThat(evidence.evidence().verify()).isTrue();
        }
        System.out.println(String.join("\n", lines));
    }

    private static String hexPub(int i) {
        return HexFormat.of().formatHex(pub(key(i)));
    }

    @Test
    void creditThatIsNotEarnedIsRefusedAndNothingIsWritten() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("l.db"))) {
            assertThatThrownBy(() -> l.append(new LedgerRecord.CreditChanged(key(9), -1, 0, "verdict against the certificate")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("ledger append #1 refused: a credit change follows a recorded certificate;"
                            + " entry #0 is none");
            l.append(new LedgerRecord.MemberAdmitted(key(1), key(2), 100));
            assertThatThrownBy(() -> l.append(new LedgerRecord.CreditChanged(key(1), 1000, 1, "a gift")))
                    .hasMessageContaining("credit accrues only through certificates");
            assertThat(l.head().orElseThrow().seq()).isEqualTo(1);
            assertThat(l.credits()).isEqualTo(Map.of(HexFormat.of().formatHex(key(1)), 100L));
        }
    }

    /** Each record the rules refuse, after the same prefix: what the contract refuses too (EvmLedgerTest). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.leo.consensus.ledger.TestFleet#refused")
    void theRulesRefuse(TestFleet.Refused refused) throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("rules.db"))) {
            TestFleet.PREFIX.forEach(l::append);
            Map<String, Long> before = l.credits();
            Map<String, Long> balances = l.balances();
            int n = TestFleet.PREFIX.size();
            assertThatThrownBy(() -> l.append(refused.record())).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("ledger append #" + (n + 1) + " refused: ").hasMessageContaining(refused.javaReason());
            assertThat(l.head().orElseThrow().seq()).isEqualTo(n);
            assertThat(l.credits()).isEqualTo(before);
            assertThat(l.balances()).isEqualTo(balances).containsEntry(TestFleet.memberHex(1), 70L);
            assertThat(l.tokens()).isEqualTo(new LedgerRules.Tokens(100, 79, 20, 1, 0));
        }
    }

    /** A partition or a restarted collector: a second certificate for a round, of either outcome, is refused, also after a reopen (replayed). */
    @Test
    void aRoundHasOneCertificateOfEitherOutcomeAlsoAfterAReopen() throws Exception {
        Path file = tmp.resolve("rounds.db");
        RoundId round = TestFleet.round(9);
        String refusal = "round " + round.round() + " of HPC " + round.hpc() + " already has a certificate: entry #4";
        List<LedgerRecord> second = List.of(TestFleet.certificate(round, Verdict.Outcome.TRUSTED, 2, 1),
                TestFleet.certificate(round, Verdict.Outcome.UNTRUSTED, 0, 3));
        Map<String, Long> credit = Map.of(TestFleet.memberHex(0), 101L, TestFleet.memberHex(1), 101L, TestFleet.memberHex(2), 100L);
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            for (int i = 0; i < 3; i++) {
                l.append(TestFleet.admission(i, 100));
            }
            assertThat(l.append(TestFleet.certificate(round, Verdict.Outcome.TRUSTED, 0, 2)).seq()).isEqualTo(4);
            for (LedgerRecord r : second) {
                assertThatThrownBy(() -> l.append(r)).isInstanceOf(IllegalArgumentException.class).hasMessage("ledger append #5 refused: " + refusal);
            }
            assertThat(l.head().orElseThrow().seq()).as("nothing appended").isEqualTo(4);
            assertThat(l.credits()).isEqualTo(credit);
        }
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            for (LedgerRecord r : second) {
                assertThatThrownBy(() -> l.append(r)).as("the round's certificate is replayed at open").hasMessage("ledger append #5 refused: " + refusal);
            }
            assertThat(l.append(TestFleet.certificate(TestFleet.round(10), Verdict.Outcome.UNTRUSTED, 2, 1)).seq()).as("the next round").isEqualTo(5);
            assertThat(l.verifyChain()).isEmpty();
        }
        System.out.println("a second certificate for " + round + ": refused, \"" + refusal + "\"");
    }

    /** A ledger written before the one-certificate rule, or behind the ledger's back, with two certificates for a round does not open. */
    @Test
    void aLedgerHoldingTwoCertificatesForOneRoundDoesNotOpen() throws Exception {
        Path file = tmp.resolve("two.db");
        RoundId round = TestFleet.round(9);
        byte[] head;
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            l.append(TestFleet.admission(0, 100));
            l.append(TestFleet.admission(1, 100));
            head = l.append(TestFleet.certificate(round, Verdict.Outcome.TRUSTED, 0, 1)).hash();
        }
        writeBehindTheLedgersBack(file, 4, TestFleet.certificate(round, Verdict.Outcome.UNTRUSTED, 1, 1), head);
        assertThatThrownBy(() -> EmbeddedLedger.open(file))
                .hasMessageContaining("entry #4 breaks the ledger's rules: " + "round " + round.round() + " of HPC " + round.hpc() + " already has a certificate: entry #3");
    }

    /** Appends {@code record} as entry {@code seq}, well chained, with SQL: what the ledger's own append would have refused. */
    private static void writeBehindTheLedgersBack(Path file, long seq, LedgerRecord record, byte[] prev) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ledger (seq, type, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)")) {
            ps.setLong(1, seq);
            ps.setInt(2, record.type());
            ps.setBytes(3, record.body());
            ps.setBytes(4, prev);
            ps.setBytes(5, LedgerEntry.chain(seq, record, prev).hash());
            ps.executeUpdate();
        }
    }

    @Test
    void aLedgerHoldingARecordTheRulesRefuseDoesNotOpen() throws Exception {
        Path file = tmp.resolve("l.db");
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            l.append(new LedgerRecord.MemberAdmitted(key(1), key(2), 100));
        }
        // a well-chained entry written behind the ledger's back: credit from nothing
        byte[] prev;
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            prev = l.headHash();
        }
        writeBehindTheLedgersBack(file, 2, new LedgerRecord.CreditChanged(key(1), 1000, 1, "a gift"), prev);
        assertThatThrownBy(() -> EmbeddedLedger.open(file)).hasMessageContaining("entry #2 breaks the ledger's rules: a credit change of 1000");
    }

    @Test
    void anEditedEntryIsFoundAndTheLedgerRefusesToOpen() throws Exception {
        Path file = tmp.resolve("l.db");
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            l.append(new LedgerRecord.MemberAdmitted(key(1), key(2), 100));
            l.append(new LedgerRecord.ReferenceValues(org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), key(3), key(4), key(5)));
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement st = c.createStatement()) {
            // give the member more credit by rewriting the first record's body
            byte[] body = new LedgerRecord.MemberAdmitted(key(1), key(2), 1_000_000).body();
            st.executeUpdate("UPDATE ledger SET body = x'" + HexFormat.of().formatHex(body) + "' WHERE seq = 1");
        }
        assertThatThrownBy(() -> EmbeddedLedger.open(file)).hasMessageContaining("entry #1 hashes to");
    }

    /** Every sequence number the child printed (after append returned) is in the ledger after SIGKILL, and the chain verifies. */
    @Test
    void acknowledgedEntriesSurviveKillMinus9() throws Exception {
        Path db = tmp.resolve("crash.db");
        List<Long> acked = org.leo.boot.testing.KillMinus9.acknowledgedBeforeKill(LedgerAppenderMain.class, 300, db.toString());
        try (EmbeddedLedger l = EmbeddedLedger.open(db)) {
            assertThat(l.verifyChain()).isEmpty();
            long head = l.head().orElseThrow().seq();
            assertThat(head).isGreaterThanOrEqualTo(acked.get(acked.size() - 1));
            assertThat(l.entries(1, 10_000).stream().map(LedgerEntry::seq).toList()).containsAll(acked);
            String member = HexFormat.of().formatHex(LedgerAppenderMain.member());
            long certificates = head / 2; // entries 2, 4, 6, ...; deposits 3, 5, ...
            assertThat(l.credits()).as("+1 for each certificate").containsEntry(member, 100L + certificates);
            assertThat(l.balances()).as("+1 token for each deposit, replayed from the records").isEqualTo(Map.of(member, head - 1 - certificates));
            assertThat(l.tokens().conserved()).isTrue();
            System.out.println("kill -9: the child acknowledged " + acked.size() + " appends; the ledger holds " + head + " entries and verifies");
        }
    }
}
