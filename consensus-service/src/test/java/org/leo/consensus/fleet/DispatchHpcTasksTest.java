package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.leo.consensus.task.HpcOutcome;
import org.leo.consensus.task.TaskOrder;
import org.leo.protocol.attest.v1.CleanupReport;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.Terms;

/**
 * {@link DispatchHpcTasks}' names of the capsules in the guest's /work and its reading of the agent's final report, on real
 * capsule files (the run itself, with an agent, is {@link DispatchHpcTasksSystemTest}).
 */
class DispatchHpcTasksTest {
    static final CapsuleSealer SEALER = new CapsuleSealer(MemberKeys.generate(new SecureRandom()).capsuleOwner(), new SecureRandom(),
            Clock.systemUTC());

    static TaskOrder.Capsule capsule(CapsuleKind kind, String label) {
        byte[] file = CapsuleFile.encode(SEALER.seal("x".getBytes(StandardCharsets.UTF_8), kind, Requirements.of("sha256:" + "ab".repeat(32), 0, 0),
                new Terms(Terms.Basis.BUDGET, 1), label).capsule());
        return new TaskOrder.Capsule(ContentAddress.of(file), file, new byte[100], new byte[32]);
    }

    static TaskOrder order(TaskOrder.Capsule... capsules) {
        return new TaskOrder(7, new byte[32], Path.of("image.tar"), List.of(capsules), List.of(), TaskOrder.Limits.DEFAULT, Duration.ofMinutes(1),
                new TaskOrder.ResultRecipient(new byte[1], new byte[32], new byte[64]));
    }

    @Test
    void theCodeCapsuleIsCodeAndDataCapsulesAreNamedByTheirPlainLabels() {
        // common-names: two inputs by their file names, and the service's code whatever its label
        assertThat(DispatchHpcTasks.names(order(capsule(CapsuleKind.DATA, "names-a"), capsule(CapsuleKind.DATA, "names-b"),
                capsule(CapsuleKind.CODE, "common names v1")))).containsExactly("names-a", "names-b", "code");
        // a label that is no plain file name, or a reserved one, makes data-I
        assertThat(DispatchHpcTasks.names(order(capsule(CapsuleKind.DATA, "my input"), capsule(CapsuleKind.DATA, ""),
                capsule(CapsuleKind.DATA, "result"), capsule(CapsuleKind.DATA, "code"), capsule(CapsuleKind.DATA, "../etc"),
                capsule(CapsuleKind.DATA, ".hidden"), capsule(CapsuleKind.CODE, "input"))))
                .containsExactly("data-0", "data-1", "data-2", "data-3", "data-4", "data-5", "code");
    }

    @Test
    void twoCapsulesOfOneNameOrACapsuleNotAtItsAddressAreRefused() {
        TaskOrder.Capsule a = capsule(CapsuleKind.DATA, "input");
        assertThatThrownBy(() -> DispatchHpcTasks.names(order(a, capsule(CapsuleKind.DATA, "input"))))
                .hasMessageStartingWith("task 7: two capsules would be /work/input");
        assertThatThrownBy(() -> DispatchHpcTasks.names(order(capsule(CapsuleKind.CODE, "a"), capsule(CapsuleKind.CODE, "b"))))
                .hasMessageStartingWith("task 7: two capsules would be /work/code");
        byte[] other = a.file().clone();
        other[other.length - 1] ^= 1;
        assertThatThrownBy(() -> DispatchHpcTasks.names(order(new TaskOrder.Capsule(a.address(), other, a.sealedKey(), a.agentCertificateSha256()))))
                .hasMessage("task 7: capsule 0 is not the file at its address " + a.address().hex());
        byte[] junk = "not a capsule".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> DispatchHpcTasks.names(order(new TaskOrder.Capsule(ContentAddress.of(junk), junk, a.sealedKey(),
                a.agentCertificateSha256())))).hasMessageStartingWith("task 7: capsule " + ContentAddress.of(junk).hex() + " is not a capsule file: ");
    }

    @Test
    void theFinalReportIsTheOutcomeWithTheStagesInTheirOrder() {
        TaskReport.Builder r = TaskReport.newBuilder().setTaskSeq(7).setStage(TaskStage.TASK_STAGE_CLEANED).setExitCode(137).setTimedOut(true)
                .setCleanup(CleanupReport.newBuilder().setClean(true).addErrors("removed on the second try"));
        List<String> stages = new ArrayList<>(DispatchHpcTasks.STAGES);
        java.util.Collections.reverse(stages);
        stages.forEach(s -> r.putTimingsMillis(s, s.length()));
        r.putTimingsMillis("a-later-stage", 1).putTimingsMillis("another", 2);
        HpcOutcome out = DispatchHpcTasks.outcome(7, r.build());
        assertThat(out.exitCode()).isEqualTo(137);
        assertThat(out.timedOut()).isTrue();
        assertThat(out.resultCapsule()).isEmpty();
        assertThat(out.cleanProblems()).as("clean after all").isEmpty();
        List<String> expected = new ArrayList<>(DispatchHpcTasks.STAGES);
        expected.addAll(List.of("a-later-stage", "another"));
        assertThat(out.timings().stream().map(HpcOutcome.Timing::stage).toList()).isEqualTo(expected);
        assertThat(out.timings().get(0).took()).isEqualTo(Duration.ofMillis("fetch".length()));

        HpcOutcome dirty = DispatchHpcTasks.outcome(7, r.setResult(ByteString.copyFromUtf8("sealed")).setCleanup(CleanupReport.newBuilder()
                .setClean(false).addLeftovers("container abc").addErrors("remove abc: busy")).build());
        assertThat(dirty.cleanProblems()).containsExactly("container abc", "clean-up error: remove abc: busy");
        assertThat(dirty.resultCapsule()).hasValueSatisfying(b -> assertThat(b).isEqualTo("sealed".getBytes(StandardCharsets.UTF_8)));
        assertThat(DispatchHpcTasks.outcome(7, r.setCleanup(CleanupReport.newBuilder().setClean(false)).build()).cleanProblems())
                .containsExactly("the agent reports its engine not clean");

        // another data owner's copy, by its member key
        HpcOutcome copies = DispatchHpcTasks.outcome(7, r.addMoreResults(org.leo.protocol.attest.v1.ResultCopy.newBuilder()
                .setOwnerMemberKey(ByteString.copyFrom(new byte[32])).setResult(ByteString.copyFromUtf8("carol's"))).build());
        assertThat(copies.moreResults()).containsOnlyKeys("00".repeat(32));
        assertThat(copies.moreResults().get("00".repeat(32))).isEqualTo("carol's".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> DispatchHpcTasks.outcome(7, TaskReport.newBuilder().setTaskSeq(7).setStage(TaskStage.TASK_STAGE_FAILED)
                .setRefusal("capsule 'input': its released key does not open for task 7").build()))
                .hasMessage("the agent did not run task 7: capsule 'input': its released key does not open for task 7");
    }

    /** Data of several owners: the task owner's recipient, then each other data owner's, in the order's order. */
    @Test
    void everyOtherDataOwnersRecipientGoesIntoTheAssignment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path image = java.nio.file.Files.write(dir.resolve("image.tar"), new byte[10]);
        TaskOrder.ResultRecipient alice = new TaskOrder.ResultRecipient(new byte[] {1}, new byte[32], new byte[64]);
        byte[] carolKey = new byte[32];
        carolKey[0] = 4;
        TaskOrder.ResultRecipient carol = new TaskOrder.ResultRecipient(new byte[] {2}, carolKey, new byte[64]);
        TaskOrder order = new TaskOrder(7, new byte[32], image, List.of(capsule(CapsuleKind.DATA, "names-a")), List.of(), TaskOrder.Limits.DEFAULT,
                Duration.ofMinutes(1), alice, List.of(carol));
        var a = DispatchHpcTasks.assignment(order, dir.resolve("files")).assignment();
        assertThat(a.getRecipient().getWrapKeySpki().toByteArray()).containsExactly(1);
        assertThat(a.getMoreRecipientsList()).hasSize(1);
        assertThat(a.getMoreRecipients(0).getOwnerMemberKey().toByteArray()).isEqualTo(carolKey);
        assertThat(a.getMoreRecipients(0).getWrapKeySpki().toByteArray()).containsExactly(2);
    }
}
