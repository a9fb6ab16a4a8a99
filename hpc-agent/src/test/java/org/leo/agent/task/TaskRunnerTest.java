package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.AgentIdentity;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.TaskFileChunk;
import org.leo.protocol.attest.v1.TaskFileRequest;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;

/**
 * {@link TaskRunner} without an engine: a second assignment while one runs is refused at once with a
 * FAILED report naming the running task, on the caller's thread, and the first goes on (here its file
 * fetch is held by an in-process Pi until the test lets it fail).
 */
class TaskRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondTaskIsRefusedAtOnceWhileOneRuns() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch fetching = new CountDownLatch(1);
        String name = InProcessServerBuilder.generateName();
        Server pi = InProcessServerBuilder.forName(name).executor(java.util.concurrent.Executors.newCachedThreadPool())
                .addService(new AttestationGrpc.AttestationImplBase() {
                    @Override
                    public void fetchTaskFile(TaskFileRequest request, StreamObserver<TaskFileChunk> out) {
                        fetching.countDown();
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        out.onError(Status.UNAVAILABLE.withDescription("the test's Pi serves nothing").asRuntimeException());
                    }
                }).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        AgentIdentity id = AgentIdentity.generate("52:54:00:00:00:01");
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] spki = g.generateKeyPair().getPublic().getEncoded();
        TestAssignments.Owner owner = TestAssignments.Owner.generate();
        BlockingQueue<TaskReport> reports = new LinkedBlockingQueue<>();
        // no engine: the clean-up check after the first task fails and says so
        try (TaskRunner runner = new TaskRunner(null, tmp.resolve("images"))) {
            TaskRunner.Session s = new TaskRunner.Session(channel, id.privateKey(), id.selfSigned(), reports::add);
            runner.assign(TestAssignments.assignment(1, owner, spki, new byte[10], "sha256:" + "ab".repeat(32), new byte[10], new byte[120]).build(), s);
            assertThat(fetching.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(runner.busy()).isTrue();
            runner.assign(TestAssignments.assignment(2, owner, spki, new byte[10], "sha256:" + "ab".repeat(32), new byte[10], new byte[120]).build(), s);
            TaskReport second = reports.poll(0, TimeUnit.SECONDS);
            assertThat(second).isNotNull();
            assertThat(second.getTaskSeq()).isEqualTo(2);
            assertThat(second.getStage()).isEqualTo(TaskStage.TASK_STAGE_FAILED);
            assertThat(second.getRefusal()).isEqualTo("task 1 is running; this agent runs one task at a time");
            release.countDown();
            TaskReport first = reports.poll(20, TimeUnit.SECONDS);
            assertThat(first.getTaskSeq()).isEqualTo(1);
            assertThat(first.getStage()).isEqualTo(TaskStage.TASK_STAGE_FAILED);
            assertThat(first.getRefusal()).startsWith("capsule 'input': fetching file capsule-0 failed: UNAVAILABLE the test's Pi serves nothing");
            assertThat(first.getCleanup().getClean()).isFalse();
        } finally {
            channel.shutdownNow();
            pi.shutdownNow();
        }
    }

    /** The recipients are exactly the owners of the opened DATA capsules: none added, none left out. */
    @Test
    void theRecipientsMustBeExactlyTheDataCapsulesOwners() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] spki = g.generateKeyPair().getPublic().getEncoded();
        TestAssignments.Owner alice = TestAssignments.Owner.generate();
        TestAssignments.Owner carol = TestAssignments.Owner.generate();
        String a = java.util.HexFormat.of().formatHex(alice.raw());
        String c = java.util.HexFormat.of().formatHex(carol.raw());
        TaskAssignmentCheck.Plan both = TaskAssignmentCheck.check(TestAssignments.assignment(9, alice, spki, new byte[10], "sha256:" + "ab".repeat(32),
                new byte[10], new byte[120]).addMoreRecipients(carol.recipient(9, spki)).build());
        TaskRunner.checkRecipients(both, java.util.Map.of(a, "names-a", c, "names-b"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.checkRecipients(both, java.util.Map.of(a, "names-a")))
                .isInstanceOf(TaskRefusedException.class).hasMessage("result recipient " + c + " owns no data capsule of task 9: nothing is run for it");
        TaskAssignmentCheck.Plan aliceOnly = TaskAssignmentCheck.check(TestAssignments.assignment(9, alice, spki, new byte[10],
                "sha256:" + "ab".repeat(32), new byte[10], new byte[120]).build());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TaskRunner.checkRecipients(aliceOnly, new java.util.LinkedHashMap<>(
                        java.util.Map.of(a, "names-a", c, "names-b"))))
                .isInstanceOf(TaskRefusedException.class).hasMessage("data capsule 'names-b' of member " + c + " has no result recipient for task 9: "
                        + "nothing is run for it");
    }
}
