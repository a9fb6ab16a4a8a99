package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/** Members and credit as of each head, replayed by the ledger's own rules; only recent heads for what a peer names. */
class FleetLedgerTest {
    private static final MacAddress HPC = MacAddress.parse("52:54:00:77:00:10");

    @TempDir
    Path tmp;

    private static LedgerRecord.CertificateRecorded certificate(long round, MemberKeys... signers) {
        RoundId r = new RoundId(new byte[32], HPC, round);
        List<Verdict> vs = java.util.Arrays.stream(signers).map(k -> k.sign(r, 1, new byte[80], Verdict.Outcome.TRUSTED, new byte[32])).toList();
        return new LedgerRecord.CertificateRecorded(new QuorumCertificate(r, Verdict.Outcome.TRUSTED, vs));
    }

    @Test
    void eachHeadHasTheMembersAndCreditOfItsTime() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            MemberKeys a = Lab.keys(1);
            MemberKeys b = Lab.keys(2);
            byte[] h1 = l.append(new LedgerRecord.MemberAdmitted(a.member(), a.vrfKey(), 10)).hash();
            byte[] h2 = l.append(new LedgerRecord.MemberAdmitted(b.member(), b.vrfKey(), 10)).hash();
            LedgerEntry qc = l.append(certificate(1, a));
            l.append(new LedgerRecord.CreditChanged(b.member(), -1, qc.seq(), "verdict against the certificate"));
            RoundId r2 = new RoundId(new byte[32], HPC, 2);
            l.append(new LedgerRecord.EquivocationRecorded(new Equivocation(b.sign(r2, 1, new byte[80], Verdict.Outcome.TRUSTED, new byte[32]),
                    b.sign(r2, 1, new byte[80], Verdict.Outcome.UNTRUSTED, new byte[32]))));
            FleetLedger f = new FleetLedger(l);

            assertThat(f.at(Ledger.GENESIS).orElseThrow().members()).isEmpty();
            assertThat(f.at(h1).orElseThrow().totalCredit()).isEqualTo(10);
            FleetLedger.Snapshot two = f.at(h2).orElseThrow();
            assertThat(two.member(a.member()).orElseThrow().credit()).isEqualTo(10);
            assertThat(two.member(b.member()).orElseThrow().vrfKey()).isEqualTo(b.vrfKey());
            assertThat(f.at(qc.hash()).orElseThrow().member(a.member()).orElseThrow().credit()).as("+1 for signing the certificate").isEqualTo(11);
            FleetLedger.Snapshot now = f.now();
            assertThat(now.member(a.member()).orElseThrow().credit()).isEqualTo(11);
            assertThat(now.member(b.member()).orElseThrow().credit()).as("10 - 1, then the equivocation's 10: never below zero").isZero();
            assertThat(now.members()).hasSize(2);
            assertThat(now.members().keySet()).isEqualTo(l.credits().keySet());
            now.members().forEach((k, m) -> assertThat(m.credit()).as("the same credit as the ledger's own rules").isEqualTo(l.credits().get(k)));
            assertThat(f.at(Lab.sha256("no such head"))).isEmpty();
            // a fresh reader replays the same from scratch
            assertThat(new FleetLedger(l).at(h2).orElseThrow().members().keySet()).isEqualTo(two.members().keySet());
        }
    }

    @Test
    void aPeerMayNameOnlyARecentHead() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            MemberKeys a = Lab.keys(1);
            byte[] first = l.append(new LedgerRecord.MemberAdmitted(a.member(), a.vrfKey(), 10)).hash();
            for (int i = 0; i < 3; i++) {
                l.append(certificate(i, a));
            }
            FleetLedger f = new FleetLedger(l, 3);
            assertThat(f.recent(first)).as("four entries ago").isEmpty();
            assertThat(f.recent(Ledger.GENESIS)).isEmpty();
            assertThat(f.recent(l.headHash()).orElseThrow().totalCredit()).isEqualTo(13);
            assertThat(f.recent(Lab.sha256("made up"))).isEmpty();
            assertThat(f.at(first).orElseThrow().totalCredit()).as("auditing still finds it").isEqualTo(10);
            assertThat(f.recent(first)).as("and a peer still may not name it").isEmpty();
            byte[] head = l.headHash();
            assertThat(f.recent(head)).isPresent();
            for (int i = 3; i < 6; i++) {
                l.append(certificate(i, a));
            }
            assertThat(f.recent(head)).as("a head that aged out of the window").isEmpty();
        }
    }

    @Test
    void eachHeadHasTheLatestReferenceValuesOfItsTime() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            MacAddress other = MacAddress.parse("52:54:00:77:00:11");
            byte[] h1 = l.append(new LedgerRecord.ReferenceValues(HPC, Lab.sha256("m"), new byte[32], Lab.sha256("golden 1"))).hash();
            byte[] h2 = l.append(new LedgerRecord.ReferenceValues(other, Lab.sha256("m"), new byte[32], Lab.sha256("other golden"))).hash();
            byte[] h3 = l.append(new LedgerRecord.ReferenceValues(HPC, Lab.sha256("m"), new byte[32], Lab.sha256("golden 2"))).hash();
            FleetLedger f = new FleetLedger(l);
            assertThat(f.at(Ledger.GENESIS).orElseThrow().referenceValues(HPC)).isEmpty();
            assertThat(f.at(h1).orElseThrow().referenceValues(HPC).orElseThrow().goldenSha256()).isEqualTo(Lab.sha256("golden 1"));
            assertThat(f.at(h1).orElseThrow().referenceValues(other)).isEmpty();
            assertThat(f.at(h3).orElseThrow().referenceValues(HPC).orElseThrow().goldenSha256()).isEqualTo(Lab.sha256("golden 2"));
            assertThat(f.at(h2).orElseThrow().referenceValues(HPC).orElseThrow().goldenSha256()).as("replayed from a later snapshot's base")
                    .isEqualTo(Lab.sha256("golden 1"));
            assertThat(new FleetLedger(l).now().referenceValues(other).orElseThrow().goldenSha256()).isEqualTo(Lab.sha256("other golden"));
        }
    }
}
