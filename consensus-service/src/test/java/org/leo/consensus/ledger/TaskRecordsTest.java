package org.leo.consensus.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Services and tasks on the ledger: their terms and signatures round-trip through the codec; a tampered term breaks the signature. */
class TaskRecordsTest {
    @Test
    void aServiceAndATaskRoundTripAndTheirSignaturesVerify() {
        LedgerRecord.ServicePublished s = TestFleet.service(0, 3);
        LedgerRecord.TaskSubmitted t = TestFleet.task(1, 12, 10);
        LedgerRecord.ServicePublished s2 = (LedgerRecord.ServicePublished) LedgerCodec.decode(s.type(), s.body());
        LedgerRecord.TaskSubmitted t2 = (LedgerRecord.TaskSubmitted) LedgerCodec.decode(t.type(), t.body());
        assertThat(s2.body()).isEqualTo(s.body());
        assertThat(t2.body()).isEqualTo(t.body());
        assertThat(s2.signatureValid()).isTrue();
        assertThat(t2.signatureValid()).isTrue();
        assertThat(s2.describe()).startsWith("service 'grey' by member ").contains("price 3");
        assertThat(t2.describe()).startsWith("task by member ").contains("for service #12: 2 data capsule(s), a group of 10")
                .endsWith("payment 10, expires 100 entries on");

        LedgerRecord.TaskSubmitted cheaper = new LedgerRecord.TaskSubmitted(t.owner(), t.serviceSeq(), t.dataCapsules(), t.groupSize(),
                t.minExecutorCredit(), t.minMonitorCredit(), 9, t.expiresAfter(), t.signature());
        LedgerRecord.TaskSubmitted later = new LedgerRecord.TaskSubmitted(t.owner(), t.serviceSeq(), t.dataCapsules(), t.groupSize(),
                t.minExecutorCredit(), t.minMonitorCredit(), t.payment(), t.expiresAfter() + 1, t.signature());
        assertThat(later.signatureValid()).as("the expiry is signed").isFalse();
        assertThat(cheaper.signatureValid()).as("the payment is signed").isFalse();
        LedgerRecord.ServicePublished renamed = new LedgerRecord.ServicePublished(s.author(), s.imageSha256(), s.codeCapsuleSha256(), s.price(),
                "gray", s.signature());
        assertThat(renamed.signatureValid()).as("the name is signed").isFalse();
        LedgerRecord.ServicePublished otherAuthor = new LedgerRecord.ServicePublished(TestFleet.member(2), s.imageSha256(), s.codeCapsuleSha256(),
                s.price(), s.name(), s.signature());
        assertThat(otherAuthor.signatureValid()).as("another member's name on it").isFalse();
    }

    @Test
    void aTasksGroupIsRecordedOnceWithEveryClaimByAMember() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("leo-group");
        try (EmbeddedLedger l = EmbeddedLedger.open(dir.resolve("ledger.db"))) {
            TestFleet.PREFIX.forEach(l::append); // members 0..2, service #7, 70 tokens for member 1
            long task = l.append(TestFleet.task(1, 7, 10)).seq();
            assertThatThrownBy(() -> l.append(TestFleet.group(task, 0, 5))).hasMessageContaining("a claim by ").hasMessageContaining("who is not a member");
            LedgerEntry group = l.append(TestFleet.group(task, 0, 2));
            assertThat(group.record().describe()).isEqualTo("group of task #" + task + ": executor " + TestFleet.memberHex(0).substring(0, 16)
                    + ".., 1 monitor(s), 2 vote(s)");
            assertThat(LedgerCodec.decode(8, group.record().body()).body()).isEqualTo(group.record().body());
            assertThatThrownBy(() -> l.append(TestFleet.group(task, 1, 0))).hasMessageContaining("task #" + task + " already has its group");
        }
        LedgerRecord.GroupElected g = TestFleet.group(9, 0, 1);
        java.util.List<LedgerRecord.GroupClaim> unordered = new java.util.ArrayList<>(g.claims());
        java.util.Collections.reverse(unordered);
        assertThatThrownBy(() -> new LedgerRecord.GroupElected(9, TestFleet.member(0), unordered)).hasMessageContaining("ascending order of member key");
        assertThatThrownBy(() -> new LedgerRecord.GroupElected(9, TestFleet.member(2), g.claims())).hasMessageContaining("the executor is one of the claimants");
        assertThatThrownBy(() -> new LedgerRecord.GroupElected(9, TestFleet.member(0), g.claims().subList(0, 1)))
                .hasMessageContaining("at least one monitor");
    }

    @Test
    void malformedTermsAreRefused() {
        LedgerRecord.ServicePublished s = TestFleet.service(0, 3);
        byte[] body = s.body();
        body[105] = (byte) 0x80; // the name's first byte, not printable ASCII
        assertThatThrownBy(() -> LedgerCodec.decode(6, body)).hasMessageContaining("printable ASCII");
        assertThatThrownBy(() -> LedgerCodec.decode(6, java.util.Arrays.copyOf(s.body(), s.body().length - 1))).hasMessageContaining("truncated");
        assertThatThrownBy(() -> LedgerRecord.TaskSubmitted.sign(TestFleet.secret(0), 7, List.of(), 10, 0, 0, 10, 5))
                .hasMessageContaining("1..16 data capsules");
        assertThatThrownBy(() -> LedgerRecord.TaskSubmitted.sign(TestFleet.secret(0), 7, List.of(new byte[32]), 0, 0, 0, 10, 5))
                .hasMessageContaining("a group of 1..1000");
        assertThatThrownBy(() -> LedgerRecord.ServicePublished.sign(TestFleet.secret(0), new byte[32], new byte[32], -1, "x"))
                .hasMessageContaining("a price of at least 0");
        assertThatThrownBy(() -> LedgerRecord.TaskSubmitted.sign(TestFleet.secret(0), 7, List.of(new byte[32]), 1, 0, 0, 10, 0))
                .hasMessageContaining("it expires 1..16777216 entries after its own");
        byte[] settled = TestFleet.settled(TestFleet.GROUP_A, 11, 2).body();
        settled[18 + 32] = 2; // the first share's penalty flag
        assertThatThrownBy(() -> LedgerCodec.decode(11, settled)).hasMessageContaining("a penalty flag of 2, expected 0 or 1");
        assertThatThrownBy(() -> new LedgerRecord.TokensDeposited(TestFleet.member(0), 0, TestFleet.OWNER_ACCOUNT))
                .hasMessageContaining("at least 1 token");
    }
}
