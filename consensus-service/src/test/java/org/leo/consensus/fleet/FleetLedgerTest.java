package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.consensus.ledger.EmbeddedLedger;
import org.leo.consensus.ledger.Ledger;
import org.leo.consensus.ledger.LedgerRecord;

/** Members and credit as of each head, replayed from the records; only recent heads for what a peer names. */
class FleetLedgerTest {
    @TempDir
    Path tmp;

    @Test
    void eachHeadHasTheMembersAndCreditOfItsTime() throws Exception {
        try (EmbeddedLedger l = EmbeddedLedger.open(tmp.resolve("ledger.db"))) {
            MemberKeys a = Lab.keys(1);
            MemberKeys b = Lab.keys(2);
            byte[] h1 = l.append(new LedgerRecord.MemberAdmitted(a.member(), a.vrfKey(), 10)).hash();
            byte[] h2 = l.append(new LedgerRecord.MemberAdmitted(b.member(), b.vrfKey(), 10)).hash();
            l.append(new LedgerRecord.CreditChanged(a.member(), -3, 2, "disagreed with a certificate"));
            l.append(new LedgerRecord.CreditChanged(b.member(), -50, 3, "equivocated"));
            l.append(new LedgerRecord.CreditChanged(Lab.keys(3).member(), 5, 3, "not a member"));
            FleetLedger f = new FleetLedger(l);

            assertThat(f.at(Ledger.GENESIS).orElseThrow().members()).isEmpty();
            assertThat(f.at(h1).orElseThrow().totalCredit()).isEqualTo(10);
            FleetLedger.Snapshot two = f.at(h2).orElseThrow();
            assertThat(two.member(a.member()).orElseThrow().credit()).isEqualTo(10);
            assertThat(two.member(b.member()).orElseThrow().vrfKey()).isEqualTo(b.vrfKey());
            FleetLedger.Snapshot now = f.now();
            assertThat(now.member(a.member()).orElseThrow().credit()).isEqualTo(7);
            assertThat(now.member(b.member()).orElseThrow().credit()).as("never below zero").isZero();
            assertThat(now.members()).as("credit exists only for admitted members").hasSize(2);
            assertThat(now.members().keySet()).isEqualTo(l.credits().keySet());
            assertThat(now.totalCredit()).isEqualTo(l.credits().values().stream().mapToLong(Long::longValue).sum());
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
                l.append(new LedgerRecord.CreditChanged(a.member(), 1, 1, "round " + i));
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
            for (int i = 0; i < 3; i++) {
                l.append(new LedgerRecord.CreditChanged(a.member(), 1, 1, "later round " + i));
            }
            assertThat(f.recent(head)).as("a head that aged out of the window").isEmpty();
        }
    }
}
