package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
            l.append(new LedgerRecord.ReferenceValues(org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10"), key(3), key(4), key(5)));
            LedgerEntry qc = l.append(new LedgerRecord.CertificateRecorded(
                    new QuorumCertificate(ROUND, Verdict.Outcome.TRUSTED, List.of(a, b))));
            l.append(new LedgerRecord.CreditChanged(pub(key(1)), 1, qc.seq(), "certificate signed with the quorum"));
            LedgerEntry eq = l.append(new LedgerRecord.EquivocationRecorded(new Equivocation(b, bAgain)));
            l.append(new LedgerRecord.CreditChanged(pub(key(2)), -500, eq.seq(), "equivocation"));
            l.entries(1, 100).forEach(e -> lines.add(e.toString()));
            head = l.headHash();
            assertThat(l.credits()).containsEntry(HexFormat.of().formatHex(pub(key(1))), 101L)
                    .containsEntry(HexFormat.of().formatHex(pub(key(2))), 0L);
        }
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            assertThat(l.verifyChain()).isEmpty();
            assertThat(l.headHash()).isEqualTo(head);
            assertThat(l.entries(1, 100)).extracting(LedgerEntry::toString).isEqualTo(lines);
            assertThat(l.credits()).as("credit is replayed from the records").containsEntry(HexFormat.of().formatHex(pub(key(1))), 101L)
                    .containsEntry(HexFormat.of().formatHex(pub(key(2))), 0L);
            LedgerRecord.CertificateRecorded back = (LedgerRecord.CertificateRecorded) l.entries(4, 1).get(0).record();
            assertThat(back.certificate().problem(6, (m, p, r) -> HexFormat.of().formatHex(m).equals(a.memberHex()) ? 2 : 3)).isEmpty();
            LedgerRecord.EquivocationRecorded evidence = (LedgerRecord.EquivocationRecorded) l.entries(6, 1).get(0).record();
            assertThat(evidence.evidence().verify()).isTrue();
        }
        System.out.println(String.join("\n", lines));
    }

    @Test
    void creditChangesForANonMemberCreateNoCredit() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("l.db"))) {
            l.append(new LedgerRecord.CreditChanged(key(9), 1000, 0, "certificate signed with the quorum"));
            assertThat(l.credits()).isEmpty();
        }
    }

    @Test
    void anEditedEntryIsFoundAndTheLedgerRefusesToOpen() throws Exception {
        Path file = tmp.resolve("l.db");
        try (EmbeddedLedger l = EmbeddedLedger.open(file)) {
            l.append(new LedgerRecord.MemberAdmitted(key(1), key(2), 100));
            l.append(new LedgerRecord.CreditChanged(key(1), 5, 1, "certificate signed with the quorum"));
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
            assertThat(l.credits()).containsEntry(HexFormat.of().formatHex(new byte[32]), 100L + head - 1);
            System.out.println("kill -9: the child acknowledged " + acked.size() + " appends; the ledger holds " + head + " entries and verifies");
        }
    }
}
