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

    /**
     * A capsule the executor's Pi added, with a recipient of its own member's signed for the longer list: the task owner's
     * statement (for the list its ledger holds) fails, and the task is refused before any file is fetched.
     */
    @Test
    void aCapsuleAddedByThePiIsRefusedBeforeAnyFileIsFetched() throws Exception {
        java.util.concurrent.atomic.AtomicInteger fetches = new java.util.concurrent.atomic.AtomicInteger();
        String name = InProcessServerBuilder.generateName();
        Server pi = InProcessServerBuilder.forName(name).directExecutor().addService(new AttestationGrpc.AttestationImplBase() {
            @Override
            public void fetchTaskFile(TaskFileRequest request, StreamObserver<TaskFileChunk> out) {
                fetches.incrementAndGet();
                out.onError(Status.UNAVAILABLE.withDescription("the test's Pi serves nothing").asRuntimeException());
            }
        }).build().start();
        ManagedChannel channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] spki = g.generateKeyPair().getPublic().getEncoded();
        TestAssignments.Owner alice = TestAssignments.Owner.generate();
        TestAssignments.Owner mallory = TestAssignments.Owner.generate();
        org.leo.protocol.attest.v1.TaskAssignment.Builder a = TestAssignments.assignment(3, alice, spki, new byte[10], "sha256:" + "ab".repeat(32),
                new byte[10], new byte[120]).addCapsules(org.leo.protocol.attest.v1.TaskCapsule.newBuilder().setName("mallory")
                .setFile(TestAssignments.file("capsule-1", new byte[20])).setSealedKey(com.google.protobuf.ByteString.copyFrom(new byte[120])));
        a.addMoreRecipients(mallory.recipient(a, spki));
        BlockingQueue<TaskReport> reports = new LinkedBlockingQueue<>();
        AgentIdentity id = AgentIdentity.generate("52:54:00:00:00:02");
        try (TaskRunner runner = new TaskRunner(null, tmp.resolve("images"))) {
            runner.assign(a.build(), new TaskRunner.Session(channel, id.privateKey(), id.selfSigned(), reports::add));
            TaskReport r = reports.poll(20, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.getStage()).isEqualTo(TaskStage.TASK_STAGE_FAILED);
            assertThat(r.getRefusal()).startsWith("the result recipient's wrap key is not signed by the task owner's member key for task 3 and "
                    + "this assignment's capsule list").endsWith("(recipient " + java.util.HexFormat.of().formatHex(alice.raw()) + ")");
            assertThat(r.getTimingsMillisMap()).as("nothing fetched, opened or run").containsOnlyKeys("verify-clean");
            assertThat(fetches.get()).isZero();
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
        org.leo.protocol.attest.v1.TaskAssignment.Builder twoRecipients = TestAssignments.assignment(9, alice, spki, new byte[10],
                "sha256:" + "ab".repeat(32), new byte[10], new byte[120]);
        TaskAssignmentCheck.Plan both = TaskAssignmentCheck.check(twoRecipients.addMoreRecipients(carol.recipient(twoRecipients, spki)).build());
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
