package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.security.KeyPairGenerator;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskCapsule;
import org.leo.protocol.attest.v1.TaskLimits;

/** {@link TaskAssignmentCheck}: a good assignment becomes a plan; each cap and each bad field is refused by its sentence. */
class TaskAssignmentCheckTest {
    static final String IMAGE_ID = "sha256:" + "ab".repeat(32);
    static byte[] spki;
    static TestAssignments.Owner owner;
    /** The digest of good()'s capsule list, which its recipients are signed for. */
    static byte[] list;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        spki = g.generateKeyPair().getPublic().getEncoded();
        owner = TestAssignments.Owner.generate();
        list = TestAssignments.capsuleList(good());
    }

    static TaskAssignment.Builder good() throws Exception {
        return TestAssignments.assignment(7, owner, spki, new byte[100], IMAGE_ID, new byte[50], new byte[120]);
    }

    @Test
    void aGoodAssignmentIsAPlanWithTheAgentsDefaults() throws Exception {
        TaskAssignmentCheck.Plan p = TaskAssignmentCheck.check(good().build());
        assertThat(p.taskSeq()).isEqualTo(7);
        assertThat(p.capsules()).extracting(TaskAssignmentCheck.CapsuleRef::name).containsExactly("input");
        assertThat(p.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.limits().resultBytes()).isEqualTo(TaskAssignmentCheck.MAX_RESULT_BYTES);
        assertThat(p.limits().memoryBytes()).isEqualTo(Limits.DEFAULT.memoryBytes());
        TaskAssignmentCheck.Plan q = TaskAssignmentCheck.check(good().setLimits(TaskLimits.newBuilder().setMemoryBytes(32 << 20)
                .setPids(16).setResultBytes(4096).setOutputBytes(1024)).build());
        assertThat(q.limits()).isEqualTo(Limits.DEFAULT.withMemoryBytes(32 << 20).withPids(16).withResultBytes(4096).withOutputBytes(1024));
    }

    @Test
    void aRecipientNotSignedByTheOwnerForThisTaskIsRefused() throws Exception {
        TaskAssignment.Builder other = good().setRecipient(owner.recipient(8, spki, list));
        assertRefused(other, notSigned("the task owner's"));
        TestAssignments.Owner stranger = TestAssignments.Owner.generate();
        assertRefused(good().setRecipient(stranger.recipient(7, spki, list).toBuilder().setOwnerMemberKey(ByteString.copyFrom(owner.raw()))),
                notSigned("the task owner's"));
        assertRefused(good().setRecipient(owner.recipient(7, new byte[] {1, 2}, list)), "the result recipient's wrap key is not an RSA public key"
                + " (SubjectPublicKeyInfo DER)");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
        assertRefused(good().setRecipient(owner.recipient(7, g.generateKeyPair().getPublic().getEncoded(), list)),
                "the result recipient's wrap key is not RSA-2048");
    }

    @Test
    void capsAndMalformedFieldsAreRefusedByName() throws Exception {
        assertRefused(good().setImageId("sha256:AB"), "the image id must be sha256:<64 lower-case hex>, got 'sha256:AB'");
        assertRefused(good().setImage(good().getImage().toBuilder().setFileId("../x")), "the image: the file id must match [A-Za-z0-9._-]{1,64}, got '../x'");
        assertRefused(good().setImage(good().getImage().toBuilder().setSha256(ByteString.copyFrom(new byte[31]))),
                "the image: the SHA-256 is 31 bytes, expected 32");
        assertRefused(good().setImage(good().getImage().toBuilder().setSize(0)), "the image: 0 bytes, expected 1..2147483648");
        TaskCapsule c = good().getCapsules(0);
        assertRefused(good().addCapsules(c), "capsule 'input' is named twice");
        assertRefused(good().setCapsules(0, c.toBuilder().setName("result")), "capsule 'result': input names must match");
        assertRefused(good().setCapsules(0, c.toBuilder().setName("a/b")), "capsule 'a/b': input names must match");
        assertRefused(good().setCapsules(0, c.toBuilder().setSealedKey(ByteString.copyFrom(new byte[94]))),
                "capsule 'input': the sealed key is 94 bytes, expected 95..350");
        assertRefused(good().setCapsules(0, c.toBuilder().setFile(c.getFile().toBuilder().setSize((2 << 20) + 1))),
                "capsule 'input': 2097153 bytes, expected 1..2097152");
        TaskAssignment.Builder many = good().clearCapsules();
        for (int i = 0; i < 17; i++) {
            many.addCapsules(c.toBuilder().setName("in" + i));
        }
        assertRefused(many, "17 capsules, at most 16");
        TaskAssignment.Builder big = good().clearCapsules();
        for (int i = 0; i < 3; i++) {
            big.addCapsules(c.toBuilder().setName("in" + i).setFile(c.getFile().toBuilder().setSize(2 << 20)));
        }
        assertRefused(big, "the capsules hold 6291456 bytes, at most 4194304 in all");
        assertRefused(good().setTimeoutMillis(0), "the timeout must be 1 ms to 24 h, got 0 ms");
        assertRefused(good().setTimeoutMillis(-1), "the timeout must be 1 ms to 24 h, got 4294967295 ms");
        assertRefused(good().addCommand("a\0b"), "a command argument is longer than 4096 bytes or holds a NUL");
        assertRefused(good().setLimits(TaskLimits.newBuilder().setResultBytes((1 << 20) + 1)), "this agent keeps at most 1048576 bytes of result");
        assertRefused(good().setLimits(TaskLimits.newBuilder().setMemoryBytes(1)), "limits: memoryBytes must be at least 6 MiB");
    }

    /** Data of several owners: each other owner's recipient is checked by its own signature, once each; the result shrinks to fit. */
    @Test
    void moreRecipientsAreEachSignedByTheirOwnMemberOnceEach() throws Exception {
        TestAssignments.Owner carol = TestAssignments.Owner.generate();
        TaskAssignmentCheck.Plan p = TaskAssignmentCheck.check(good().addMoreRecipients(carol.recipient(7, spki, list)).build());
        assertThat(p.recipients()).extracting(r -> java.util.HexFormat.of().formatHex(r.memberKey()))
                .containsExactly(java.util.HexFormat.of().formatHex(owner.raw()), java.util.HexFormat.of().formatHex(carol.raw()));
        assertThat(p.limits().resultBytes()).as("two sealed copies fit where one did").isEqualTo(TaskAssignmentCheck.MAX_RESULT_BYTES / 2);
        assertRefused(good().addMoreRecipients(carol.recipient(8, spki, list)), notSigned("its") + ": nothing is run for it (recipient "
                + java.util.HexFormat.of().formatHex(carol.raw()) + ")");
        assertRefused(good().addMoreRecipients(owner.recipient(7, spki, list)), "member " + java.util.HexFormat.of().formatHex(owner.raw())
                + " is a result recipient twice");
        TaskAssignment.Builder many = good();
        for (int i = 0; i < 16; i++) {
            many.addMoreRecipients(TestAssignments.Owner.generate().recipient(7, spki, list));
        }
        assertRefused(many, "16 more result recipients, at most 15 (one per other owner of a data capsule)");
    }

    /**
     * The hole of docs/tasks.md "Tasks with data of several owners": the executor's Pi adds a capsule of its own member's
     * (Mallory's, its key sealed to this agent) and Mallory's recipient, signed by Mallory for the new list; otherwise the
     * assignment is good. The task owner signed the list its ledger holds, one capsule: refused, whatever Mallory signed.
     * Leaving a capsule out or moving one is refused the same way.
     */
    @Test
    void aCapsuleAddedByTheExecutorsPiWithARecipientOfItsOwnIsRefused() throws Exception {
        TestAssignments.Owner mallory = TestAssignments.Owner.generate();
        TaskAssignment.Builder added = good().addCapsules(TaskCapsule.newBuilder().setName("mallory")
                .setFile(TestAssignments.file("capsule-1", new byte[60])).setSealedKey(ByteString.copyFrom(new byte[120])));
        added.addMoreRecipients(mallory.recipient(added, spki));
        assertThat(TestAssignments.capsuleList(added)).isNotEqualTo(list);
        assertRefused(added, "the result recipient's wrap key is not signed by the task owner's member key for task 7 and this assignment's "
                + "capsule list (SHA-256 " + java.util.HexFormat.of().formatHex(TestAssignments.capsuleList(added)) + "; one added, left out or moved "
                + "is not the task's): nothing is run for it (recipient " + java.util.HexFormat.of().formatHex(owner.raw()) + ")");

        TestAssignments.Owner carol = TestAssignments.Owner.generate();
        TaskAssignment.Builder two = good().addCapsules(TaskCapsule.newBuilder().setName("names-b")
                .setFile(TestAssignments.file("capsule-1", new byte[70])).setSealedKey(ByteString.copyFrom(new byte[120])));
        two.setRecipient(owner.recipient(two, spki)).addMoreRecipients(carol.recipient(two, spki));
        assertThat(TaskAssignmentCheck.check(two.build()).recipients()).as("the list both owners signed").hasSize(2);
        TaskAssignment.Builder moved = two.clone().setCapsules(0, two.getCapsules(1)).setCapsules(1, two.getCapsules(0));
        assertRefused(moved, "the result recipient's wrap key is not signed by the task owner's member key for task 7 and this assignment's");
        TaskAssignment.Builder leftOut = two.clone().removeCapsules(1);
        assertRefused(leftOut, "the result recipient's wrap key is not signed by the task owner's member key for task 7 and this assignment's");
    }

    private static String notSigned(String whose) {
        return "the result recipient's wrap key is not signed by " + whose + " member key for task 7 and this assignment's capsule list (SHA-256 "
                + java.util.HexFormat.of().formatHex(list) + "; one added, left out or moved is not the task's)";
    }

    private static void assertRefused(TaskAssignment.Builder a, String sentence) {
        assertThatThrownBy(() -> TaskAssignmentCheck.check(a.build())).isInstanceOf(TaskRefusedException.class).hasMessageStartingWith(sentence);
    }
}
