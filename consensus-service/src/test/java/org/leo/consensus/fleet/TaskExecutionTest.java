package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.capsule.FileCapsuleStore;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.HpcOutcome;
import org.leo.consensus.task.HpcTasks;
import org.leo.consensus.task.TaskOrder;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.ReleaseContext;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.WrapKey;

/**
 * The executor's coordinator ({@link TaskExecutions}, {@link TaskExecution}) on a lab fleet of seven Pis over mutual TLS
 * with a real agent, attestation server and swtpm (TaskRoundTest's fleet): node 0, the HPC's Pi, is the elected executor;
 * node 2 owns the task and its data capsule, node 1 authored the service and its code capsule, node 3 keeps the service
 * image. Once the group is on the ledger the coordinator runs the task by itself: ATTEST round, key release from nodes 2
 * and 1, capsules and image fetched from peers, the run, the power-cycle, the CLEANUP round, the settler.
 *
 * <p>The HPC side is a stand-in ({@link StandInHpc}) for the agent side that is merged later (attestation-server
 * TaskDispatch and the agent's task runner): it opens each sealed key with the real agent's in-RAM key (read from the lab's
 * agent by reflection, since only the agent holds it), opens the capsules with them, and seals a result to the owner Pi's
 * TPM wrap key; its power-cycle is LabFleet's (the agent stops, a new boot nonce, a new agent enrolls, a new baseline).
 */
@Tag("system")
class TaskExecutionTest {
    static final int N = 7;
    static final Duration WAIT = Duration.ofMinutes(3);
    static final byte[] IMAGE = Lab.sha256("image");
    /** The second data owner of the two-owner tasks. */
    static final int CAROL = 4;

    @TempDir
    Path tmp;

    /** Stands in for the agent side merged later: see the class comment. */
    static final class StandInHpc implements HpcTasks {
        final LabFleet f;
        final List<String> opened = new CopyOnWriteArrayList<>();
        final AtomicInteger powerCycles = new AtomicInteger();
        final AtomicBoolean hang = new AtomicBoolean();
        final CompletableFuture<TaskOrder> hanging = new CompletableFuture<>();

        StandInHpc(LabFleet f) {
            this.f = f;
        }

        @Override
        public boolean ready(MacAddress hpc) {
            return hpc.equals(LabFleet.HPC);
        }

        @Override
        public CompletableFuture<HpcOutcome> run(MacAddress hpc, TaskOrder order) {
            if (hang.get()) {
                hanging.complete(order);
                return new CompletableFuture<>(); // the HPC runs on; the Pi is killed meanwhile
            }
            try {
                PrivateKey agentKey = agentKey(f);
                // as the agent does (TaskAssignmentCheck): each recipient signed for the task and the capsules it was handed
                byte[] list = org.leo.protocol.capsule.TaskCapsuleList.digest(order.capsules().stream().map(c -> c.address().bytes()).toList());
                for (TaskOrder.ResultRecipient r : java.util.stream.Stream.concat(java.util.stream.Stream.of(order.recipient()),
                        order.moreRecipients().stream()).toList()) {
                    if (!org.leo.protocol.capsule.ResultRecipientStatement.verify(r.ownerMemberKey(), order.taskSeq(), r.wrapKeySpki(), list,
                            r.signature())) {
                        throw new IllegalStateException("recipient " + HexFormat.of().formatHex(r.ownerMemberKey()) + " is not signed for task "
                                + order.taskSeq() + " and its capsule list");
                    }
                }
                StringBuilder plain = new StringBuilder();
                for (TaskOrder.Capsule c : order.capsules()) {
                    byte[] aes = AgentKeyWrap.open(agentKey, c.sealedKey(), new ReleaseContext(ReleaseContext.taskId(order.taskSeq()), c.address().bytes(),
                            c.agentCertificateSha256()).encode());
                    String text = new String(CapsuleOpener.open(CapsuleFile.parse(c.file(), CapsuleLimits.DEFAULT), aes), StandardCharsets.UTF_8);
                    opened.add(text);
                    plain.append(plain.length() == 0 ? "" : " + ").append(text);
                }
                byte[] result = ("grey(" + plain + ")").getBytes(StandardCharsets.UTF_8);
                Map<String, byte[]> more = new java.util.LinkedHashMap<>(); // each other data owner's copy, sealed to its own wrap key
                for (TaskOrder.ResultRecipient r : order.moreRecipients()) {
                    more.put(HexFormat.of().formatHex(r.ownerMemberKey()), seal(r, result));
                }
                return CompletableFuture.completedFuture(new HpcOutcome(0, false, List.of(new HpcOutcome.Timing("run", Duration.ofMillis(1))),
                        Optional.of(seal(order.recipient(), result)), List.of(), more));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        static byte[] seal(TaskOrder.ResultRecipient r, byte[] result) throws Exception {
            return WrapKey.wrap(KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(r.wrapKeySpki())), result);
        }

        @Override
        public void powerCycle(MacAddress hpc) {
            try {
                f.powerCycle();
                powerCycles.incrementAndGet();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** The lab agent's in-RAM private key (the agent side holds it; this stand-in reads it by reflection). */
        static PrivateKey agentKey(LabFleet f) throws Exception {
            var field = org.leo.agent.Agent.class.getDeclaredField("identity");
            field.setAccessible(true);
            return ((org.leo.agent.AgentIdentity) field.get(f.agent)).privateKey();
        }
    }

    /** A settler that records what it was called with, then settles on the ledger as the appliance does (LedgerSettler). */
    static final class Settled implements org.leo.consensus.task.Settler {
        final Map<Long, long[]> calls = new ConcurrentHashMap<>();
        volatile org.leo.consensus.task.Settler ledger = org.leo.consensus.task.Settler.NONE;

        @Override
        public void settle(long taskSeq, long groupSeq, long attestSeq, long cleanupSeq) {
            calls.put(taskSeq, new long[] {groupSeq, attestSeq, cleanupSeq});
            ledger.settle(taskSeq, groupSeq, attestSeq, cleanupSeq);
        }
    }

    /** The lab, its task (not yet elected on the ledger) and every Pi's coordinator. */
    final class World implements AutoCloseable {
        final LabFleet f;
        final StandInHpc hpc;
        final Settled settled = new Settled();
        final TaskRoundLab.Electable task;
        final List<TaskExecutions> exec = new ArrayList<>();
        final List<OwnResults> own = new ArrayList<>();
        final TaskExecutions.Config config = TaskExecutions.Config.defaults().withCertificateWait(Duration.ofSeconds(60)).withMaxAttempts(2);

        World(LabFleet.Setup setup) throws Exception {
            this(setup, null, false);
        }

        /**
         * With {@code carols} requirements, node 4 (Carol) offers a data capsule of hers for the service ({@code leo task
         * offer}: its key file's 'service SEQ' line), and the task names it after Alice's (node 2's). With {@code electFirst},
         * the group is on the ledger before any Pi serves or executes tasks (a Pi that was down).
         */
        World(LabFleet.Setup setup, org.leo.protocol.capsule.Requirements carols, boolean electFirst) throws Exception {
            f = new LabFleet(tmp, N, FleetRoundTest.TAU, Duration.ofSeconds(6), setup);
            hpc = new StandInHpc(f);
            settled.ledger = new LedgerSettler(f.hpcPiNode().ledger());
            CapsuleSealer.Sealed data = TaskLab.seal(Lab.keys(2), CapsuleKind.DATA, "Alice's colour picture");
            CapsuleSealer.Sealed code = TaskLab.seal(Lab.keys(1), CapsuleKind.CODE, "Bob's grey filter");
            ContentAddress dataAddress = hold(f.tpm, 2, data, "");
            ContentAddress codeAddress = hold(f.tpm, 1, code, "");
            LedgerEntry service = TaskLab.service(f.ledger, Lab.keys(1), codeAddress.bytes());
            List<byte[]> dataCapsules = new ArrayList<>(List.of(dataAddress.bytes()));
            if (carols != null) {
                dataCapsules.add(hold(f.tpm, CAROL, TaskLab.seal(Lab.keys(CAROL), CapsuleKind.DATA, "Carol's names", carols),
                        "service " + service.seq() + "\n").bytes());
            }
            task = TaskRoundLab.electable(f.ledger, N, TaskRoundLab.executorZeroWithOutsiders(N), service.seq(), t -> dataCapsules);
            List<TaskService> services = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                services.add(f.nodes.get(i).serveTasks(TaskConfig.defaults().withClaimWindow(Duration.ofHours(1)), f.tpm,
                        WrappedKeys.directory(tmp.resolve("keys-" + i)), store(i)));
                own.add(f.nodes.get(i).fetchOwnResults(OwnResults.Config.defaults().withRetries(5, Duration.ofMillis(100), Duration.ofSeconds(1)),
                        tmp.resolve("own-" + i)));
            }
            TaskExecutions[] executions = new TaskExecutions[N];
            for (int i = 1; i < N; i++) {
                executions[i] = f.nodes.get(i).executeTasks(none(), settled, config, tmp.resolve("exec-" + i), capsules(i));
            }
            Path archive = tmp.resolve("image.tar");
            byte[] bytes = new byte[200_000]; // four chunks; the Pi never parses it (the agent does)
            new java.util.Random(7).nextBytes(bytes);
            Files.write(archive, bytes);
            executions[3].imageStore().put(IMAGE, archive);
            if (electFirst) {
                // the executor's Pi (node 0) is "down" for tasks: its task service reads the group, its coordinator starts after
                LedgerEntry group = elect();
                if (!KeyReleaseTest.await(() -> services.get(0).watch().seen(group.seq()).isPresent())) {
                    throw new IllegalStateException("node 0's task service did not read the group #" + group.seq());
                }
            }
            executions[0] = f.nodes.get(0).executeTasks(hpc, settled, config, tmp.resolve("exec-0"), capsules(0));
            exec.addAll(List.of(executions));
        }

        FileCapsuleStore store(int i) throws Exception {
            return FileCapsuleStore.open(tmp.resolve("store-" + i), new SimpleMeterRegistry());
        }

        PeerCapsuleStore capsules(int i) throws Exception {
            return PeerCapsuleStore.of(f.nodes.get(i), store(i), TaskConfig.DEFAULT_MAX_CAPSULE_BYTES, Duration.ofSeconds(20));
        }

        /** Pi {@code i} holds the capsule in its store and its AES key wrapped by its TPM (the lab's one swtpm), {@code more} after it. */
        ContentAddress hold(Tpm tpm, int i, CapsuleSealer.Sealed s, String more) throws Exception {
            byte[] file = CapsuleFile.encode(s.capsule());
            ContentAddress a = store(i).put(file);
            Path keys = Files.createDirectories(tmp.resolve("keys-" + i));
            WrapKey w = tpm.wrapKeyPublic();
            Files.writeString(keys.resolve(a.hex() + ".key"), "wrap-key " + w.fingerprint() + "\nwrapped-key " + HexFormat.of().formatHex(w.wrap(s.aesKey()))
                    + "\n" + more);
            return a;
        }

        long taskSeq() {
            return task.task().seq();
        }

        /** The group recorded now: node 0's coordinator sees it at its next poll and starts. */
        LedgerEntry elect() {
            return f.ledger.append(task.group());
        }

        PeerList.Peer executorPi() {
            return f.hpcPi();
        }

        @Override
        public void close() throws Exception {
            f.close();
        }
    }

    static HpcTasks none() {
        return new HpcTasks() {
            @Override
            public boolean ready(MacAddress hpc) {
                return false;
            }

            @Override
            public CompletableFuture<HpcOutcome> run(MacAddress hpc, TaskOrder order) {
                return CompletableFuture.failedFuture(new IllegalStateException("no HPC"));
            }

            @Override
            public void powerCycle(MacAddress hpc) {
            }
        };
    }

    static LedgerRecord.CertificateRecorded cert(LabFleet f, long seq) {
        return (LedgerRecord.CertificateRecorded) f.ledger.entries(seq, 1).get(0).record();
    }

    @Test
    void theExecutorRunsATaskFromItsGroupToItsCleanupCertificateAndOnlyTheOwnerFetchesTheResult() throws Exception {
        try (World w = new World(LabFleet.Setup.TESTS)) {
            LedgerEntry group = w.elect();
            assertThat(KeyReleaseTest.await(() -> w.exec.get(0).stage(w.taskSeq()).isPresent())).as("the executor's coordinator started").isTrue();
            assertThat(w.exec.get(0).awaitEnd(w.taskSeq(), WAIT)).as("the task ended within " + WAIT).isTrue();
            System.out.println(w.exec.get(0).timeline(w.taskSeq()).orElseThrow());

            assertThat(w.exec.get(0).stage(w.taskSeq())).contains("SETTLED");
            long[] s = w.settled.calls.get(w.taskSeq());
            assertThat(s).as("the settler was called once the clean-up certificate was on the ledger").isNotNull();
            assertThat(s[0]).isEqualTo(group.seq());
            LedgerRecord.CertificateRecorded attest = cert(w.f, s[1]);
            LedgerRecord.CertificateRecorded cleanup = cert(w.f, s[2]);
            assertThat(TaskRound.of(attest.certificate().round().round()).orElseThrow().phase()).isEqualTo(TaskRound.Phase.ATTEST);
            assertThat(attest.certificate().outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            assertThat(TaskRound.of(cleanup.certificate().round().round()).orElseThrow().phase()).isEqualTo(TaskRound.Phase.CLEANUP);
            assertThat(cleanup.certificate().outcome()).isEqualTo(Verdict.Outcome.TRUSTED);
            LedgerRecord.TaskSettled paid = w.f.ledger.entries(0, Integer.MAX_VALUE).stream().map(LedgerEntry::record)
                    .filter(r -> r instanceof LedgerRecord.TaskSettled t && t.taskSeq() == w.taskSeq()).map(r -> (LedgerRecord.TaskSettled) r)
                    .findFirst().orElseThrow(() -> new AssertionError("no TaskSettled of task #" + w.taskSeq() + " on the ledger"));
            assertThat(paid.certificateSeq()).as("settled by the clean-up certificate").isEqualTo(s[2]);
            assertThat(paid.penalised()).as("nobody penalised").isEmpty();
            assertThat(w.f.ledger.balances().get(Lab.keys(0).memberHex())).as("the executor was paid").isPositive();
            assertThat(w.f.ledger.balances().get(Lab.keys(1).memberHex())).as("the service's author was paid its price").isGreaterThanOrEqualTo(3);
            assertThat(w.hpc.opened).as("the agent's key opened both capsules").containsExactly("Alice's colour picture", "Bob's grey filter");
            assertThat(w.hpc.powerCycles.get()).isEqualTo(1);
            assertThat(w.exec.get(0).imageStore().kept(IMAGE)).as("the image came from node 3 and is kept once the agent took it").isPresent();
            assertThat(Files.mismatch(w.exec.get(0).imageStore().kept(IMAGE).get(), tmp.resolve("image.tar"))).isEqualTo(-1);

            // the owner's Pi fetched the result by itself once the task ended, and kept the agent certificate its key went to;
            // its TPM opens the result; any other member is refused
            OwnResults owner = w.own.get(2);
            assertThat(KeyReleaseTest.await(() -> Files.isRegularFile(owner.store().path(w.taskSeq()))))
                    .as("node 2, the owner, stored the result by itself").isTrue();
            byte[] result = owner.store().get(w.taskSeq()).orElseThrow();
            assertThat(new String(w.f.tpm.unwrap(result), StandardCharsets.UTF_8)).isEqualTo("grey(Alice's colour picture + Bob's grey filter)");
            assertThat(OwnResults.agents(tmp.resolve("own-2"), w.taskSeq())).as("the agent certificate node 2 released the data key to")
                    .hasSize(1);
            assertThat(KeyReleaseTest.await(() -> !owner.follows(w.taskSeq()))).as("a stored result is not followed (never fetched again)").isTrue();
            for (int i : new int[] {0, 1, 3}) {
                assertThat(Files.exists(w.own.get(i).store().path(w.taskSeq()))).as("node " + i + " does not own the task").isFalse();
                assertThat(OwnResults.agents(tmp.resolve("own-" + i), w.taskSeq())).as("node " + i + " keeps no agent of another's task").isEmpty();
            }
            assertThat(w.exec.get(2).fetchResult(w.executorPi(), w.taskSeq())).as("fetched by hand, the same bytes").isEqualTo(result);
            assertThatThrownBy(() -> w.exec.get(3).fetchResult(w.executorPi(), w.taskSeq())).as("a member that does not own the task")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            assertThat(w.f.hpcPiNode().refusals().count("NOT_RESULT_OWNER")).isEqualTo(1);
            assertThatThrownBy(() -> w.exec.get(2).fetchResult(w.f.peers.member(w.f.nodes.get(3).keys().member()).orElseThrow(), w.taskSeq()))
                    .as("a Pi that did not execute the task has no result")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
        }
    }

    /**
     * The group was recorded while the executor's Pi was not executing tasks (down): at its start it reads the group with
     * the ledger, finds the task still open and not in its journal, and runs it to its settlement. A coordinator started
     * later over an empty journal leaves the same group alone: its task has ended.
     */
    @Test
    void aGroupRecordedBeforeTheExecutorsPiStartedIsRunAtItsStartAndNotOnceItsTaskEnded() throws Exception {
        try (World w = new World(LabFleet.Setup.TESTS, null, true)) {
            assertThat(KeyReleaseTest.await(() -> w.exec.get(0).stage(w.taskSeq()).isPresent())).as("the executor's coordinator started it").isTrue();
            assertThat(w.exec.get(0).awaitEnd(w.taskSeq(), WAIT)).as("the task ended within " + WAIT).isTrue();
            assertThat(w.exec.get(0).stage(w.taskSeq())).contains("SETTLED");
            assertThat(w.hpc.powerCycles.get()).isEqualTo(1);
            TaskExecutions fresh = w.f.hpcPiNode().restartExecutions(w.hpc, w.settled, w.config, tmp.resolve("exec-0-empty-journal"), w.capsules(0));
            assertThat(fresh.stage(w.taskSeq())).as("a settled task's group is not run again").isEmpty();
            assertThat(w.hpc.powerCycles.get()).isEqualTo(1);
        }
    }

    /**
     * The second demo's shape: Alice's (node 2's) data and Carol's (node 4's), offered for the service; each owner's Pi
     * releases its own key, the result is sealed to each, and each Pi fetches its own copy, which its TPM opens.
     */
    @Test
    void aTaskWithDataOfTwoOwnersReturnsTheResultToBothEachItsOwnCopy() throws Exception {
        try (World w = new World(LabFleet.Setup.TESTS, TaskLab.REQUIREMENTS, false)) {
            w.elect();
            assertThat(KeyReleaseTest.await(() -> w.exec.get(0).stage(w.taskSeq()).isPresent())).as("the executor's coordinator started").isTrue();
            assertThat(w.exec.get(0).awaitEnd(w.taskSeq(), WAIT)).as("the task ended within " + WAIT).isTrue();
            System.out.println(w.exec.get(0).timeline(w.taskSeq()).orElseThrow());
            assertThat(w.exec.get(0).stage(w.taskSeq())).contains("SETTLED");
            assertThat(w.hpc.opened).as("each owner's Pi released its own capsule's key").containsExactly("Alice's colour picture", "Carol's names",
                    "Bob's grey filter");
            String carol = Lab.keys(CAROL).memberHex();
            assertThat(w.exec.get(0).results().get(w.taskSeq(), carol)).as("the executor keeps Carol's copy apart").isPresent();

            byte[][] stored = new byte[2][];
            int k = 0;
            for (int owner : new int[] {2, CAROL}) {
                OwnResults own = w.own.get(owner);
                assertThat(KeyReleaseTest.await(() -> Files.isRegularFile(own.store().path(w.taskSeq()))))
                        .as("node " + owner + " stored its copy by itself").isTrue();
                byte[] result = own.store().get(w.taskSeq()).orElseThrow();
                assertThat(new String(w.f.tpm.unwrap(result), StandardCharsets.UTF_8)).as("node " + owner + "'s TPM opens it")
                        .isEqualTo("grey(Alice's colour picture + Carol's names + Bob's grey filter)");
                assertThat(OwnResults.agents(tmp.resolve("own-" + owner), w.taskSeq())).as("the agent node " + owner + " released its key to")
                        .hasSize(1);
                assertThat(w.exec.get(owner).fetchResult(w.executorPi(), w.taskSeq())).as("fetched by hand, its own copy").isEqualTo(result);
                stored[k++] = result;
            }
            assertThat(stored[0]).as("two copies, each sealed apart").isNotEqualTo(stored[1]);
            for (int i : new int[] {0, 1, 3}) {
                assertThat(Files.exists(w.own.get(i).store().path(w.taskSeq()))).as("node " + i + " has no data in the task").isFalse();
            }
            assertThatThrownBy(() -> w.exec.get(3).fetchResult(w.executorPi(), w.taskSeq())).as("a member with no data in the task")
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
    }

    /** Carol's capsule asks for another image than the service's: her Pi refuses its key, nothing runs, the HPC is cleaned up. */
    @Test
    void aTaskWithAnotherOwnersCapsuleForAnotherImageIsNotRun() throws Exception {
        try (World w = new World(LabFleet.Setup.TESTS, org.leo.protocol.capsule.Requirements.of("sha256:" + "cd".repeat(32), 0, 0), false)) {
            w.elect();
            assertThat(KeyReleaseTest.await(() -> w.exec.get(0).stage(w.taskSeq()).isPresent())).isTrue();
            assertThat(w.exec.get(0).awaitEnd(w.taskSeq(), WAIT)).isTrue();
            assertThat(w.exec.get(0).stage(w.taskSeq())).as("cleaned up, not settled: no result").contains("CLEANED_UP");
            assertThat(w.f.nodes.get(CAROL).refusals().count("CAPSULE_IMAGE")).as("Carol's Pi refused, and counted it").isEqualTo(1);
            assertThat(w.hpc.opened).as("nothing run").isEmpty();
            assertThat(w.hpc.powerCycles.get()).as("the HPC power-cycled all the same").isEqualTo(1);
            assertThat(w.settled.calls).isEmpty();
        }
    }

    @Test
    void anExecutorRestartedMidTaskPowerCyclesTheHpcAndReachesCleanupWithoutRunningAgain() throws Exception {
        try (World w = new World(LabFleet.Setup.TESTS)) {
            w.hpc.hang.set(true);
            w.elect();
            TaskOrder order = w.hpc.hanging.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
            assertThat(w.exec.get(0).stage(w.taskSeq())).contains("RUN");
            // the Pi stops mid-run (its coordinator's threads end where they are); a new one resumes from the journal
            TaskExecutions again = w.f.hpcPiNode().restartExecutions(w.hpc, w.settled, w.config, tmp.resolve("exec-0"), w.capsules(0));
            assertThat(again.awaitEnd(w.taskSeq(), WAIT)).isTrue();
            assertThat(again.stage(w.taskSeq())).as("cleaned up, and not settled: it has no result").contains("CLEANED_UP");
            assertThat(w.hpc.powerCycles.get()).as("power-cycled first").isEqualTo(1);
            assertThat(w.hpc.opened).as("never run again with the keys released before the restart").isEmpty();
            assertThat(w.settled.calls).isEmpty();
            assertThat(order.taskSeq()).isEqualTo(w.taskSeq());
            assertThat(w.f.ledger.entries(1, 100_000).stream().filter(e -> e.record() instanceof LedgerRecord.CertificateRecorded c
                    && TaskRound.of(c.certificate().round().round()).filter(t -> t.taskSeq() == w.taskSeq() && t.phase() == TaskRound.Phase.CLEANUP)
                    .isPresent() && c.certificate().outcome() == Verdict.Outcome.TRUSTED).count()).as("the clean-up certificate").isEqualTo(1);
        }
    }

    @Test
    void anAttestRoundThatDoesNotCertifyTrustedIsRetriedThenGivenUp() throws Exception {
        AtomicBoolean cut = new AtomicBoolean();
        UnaryOperator<RelayPort> failing = port -> new RelayPort() {
            @Override
            public boolean serves(MacAddress hpc) {
                return port.serves(hpc);
            }

            @Override
            public CompletableFuture<org.leo.protocol.consensus.v1.RelayAnswer> relay(MacAddress hpc, byte[] nonce) {
                return cut.get() ? CompletableFuture.failedFuture(new IllegalStateException("the HPC does not answer")) : port.relay(hpc, nonce);
            }
        };
        LabFleet.Setup setup = new LabFleet.Setup(LabFleet.Setup.TESTS.policy(), LabFleet.Setup.TESTS.ledger(), h -> { },
                UnaryOperator.identity(), failing, true);
        try (World w = new World(setup)) {
            cut.set(true);
            w.elect();
            assertThat(KeyReleaseTest.await(() -> w.exec.get(0).stage(w.taskSeq()).isPresent())).isTrue();
            assertThat(w.exec.get(0).awaitEnd(w.taskSeq(), WAIT)).isTrue();
            assertThat(w.exec.get(0).stage(w.taskSeq())).contains("GAVE_UP");
            List<Verdict.Outcome> attests = w.f.ledger.entries(1, 100_000).stream().filter(e -> e.record() instanceof LedgerRecord.CertificateRecorded c
                    && TaskRound.of(c.certificate().round().round()).filter(t -> t.taskSeq() == w.taskSeq()).isPresent())
                    .map(e -> ((LedgerRecord.CertificateRecorded) e.record()).certificate().outcome()).toList();
            assertThat(attests).as("two attempts, each certified UNTRUSTED").containsExactly(Verdict.Outcome.UNTRUSTED, Verdict.Outcome.UNTRUSTED);
            assertThat(w.hpc.opened).as("no key released, nothing run").isEmpty();
            assertThat(w.hpc.powerCycles.get()).isZero();
            assertThat(w.settled.calls).isEmpty();
        }
    }
}
