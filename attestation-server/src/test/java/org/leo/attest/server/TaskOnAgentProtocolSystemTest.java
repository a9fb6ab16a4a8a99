package org.leo.attest.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.AgentIdentity;
import org.leo.agent.task.DockerdProcess;
import org.leo.agent.task.Sandbox;
import org.leo.agent.task.SandboxConfig;
import org.leo.agent.task.TaskRunner;
import org.leo.agent.task.TestAssignments;
import org.leo.agent.task.TestImage;
import org.leo.attest.appraise.Verdict;
import org.leo.boot.net.MacAddress;
import org.leo.protocol.attest.v1.AgentMessage;
import org.leo.protocol.attest.v1.AttestationGrpc;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskFileRequest;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleOwner;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.ResultCapsule;
import org.leo.protocol.capsule.ResultOpener;
import org.leo.protocol.capsule.Terms;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.ReleaseContext;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.WrapKey;

/**
 * The task on the agent's protocol, end to end with real peers: an in-process Pi ({@link TestAppliance},
 * mTLS gRPC on loopback), a real {@link Agent} with a {@link TaskRunner} over a private dockerd
 * ({@link DockerdProcess}) and the registry-less busybox image ({@link TestImage}), and a swtpm as the task
 * owner Pi's TPM: the capsule's AES key is kept wrapped by that TPM, unwrapped by it at release and sealed
 * to the agent's certificate key ({@link AgentKeyWrap}); the result comes back as a {@link ResultCapsule}
 * that only that TPM opens. Then each attack of the brief is tried and refused. Needs root, docker.io,
 * busybox-static and swtpm (skipped with the reason otherwise).
 */
@Tag("system")
class TaskOnAgentProtocolSystemTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:31");
    static final MacAddress OTHER = MacAddress.parse("52:54:00:77:00:32");
    static final String INPUT = "hello\nleo\n";

    @TempDir
    static Path tmp;
    static DockerdProcess dockerd;
    static SwtpmProcess swtpm;
    static Tpm ownerTpm;
    static WrapKey wrapKey;
    static TestImage image;
    static TestAppliance appliance;
    static Agent agent;
    static Thread agentThread;
    static TaskRunner runner;
    static TestAssignments.Owner owner;
    static CapsuleSealer sealer;
    static Path imageFile;
    static long nextSeq = 100;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed");
        image = TestImage.assumeBusyboxOnDockerd();
        imageFile = Files.write(tmp.resolve("image.tar"), image.archive());
        dockerd = DockerdProcess.start();
        swtpm = SwtpmProcess.start();
        ownerTpm = Tpm.open(swtpm.endpoint());
        wrapKey = ownerTpm.wrapKeyPublic();
        owner = TestAssignments.Owner.generate();
        sealer = new CapsuleSealer(CapsuleOwner.of(owner.keys()), new SecureRandom(), Clock.systemUTC());
        appliance = new TestAppliance(tmp.resolve("pi"), TestAppliance.fastPolicy(), Duration.ofHours(1));
        String cmdline = TestAppliance.cmdline(appliance.boot(MAC));
        runner = new TaskRunner(Sandbox.connect(new SandboxConfig(dockerd.socketUri(), dockerd.workRoot(), dockerd.execRoot())),
                tmp.resolve("agent-images"));
        agent = new Agent(appliance.agentConfig(MAC, cmdline), new SimulatedHost(cmdline), Map.of()).runsTasks(runner);
        agentThread = new Thread(agent, "agent");
        agentThread.start();
        appliance.awaitVerdict(v -> v.hpc().equals(MAC.toString()) && v.clean() && v.challengeId() > 0, 30);
        System.out.println("engine: " + dockerd + "; image " + image.id() + " (" + image.archive().length + " bytes); owner TPM wrap key "
                + wrapKey.fingerprint());
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            agent.close();
            agentThread.join(10_000);
        }
        if (runner != null) {
            runner.close();
        }
        if (appliance != null) {
            appliance.close();
        }
        if (ownerTpm != null) {
            ownerTpm.close();
        }
        if (swtpm != null) {
            swtpm.close();
        }
        if (dockerd != null) {
            dockerd.close();
        }
    }

    /** A task as the Pis would make it: the capsule sealed by its owner, its key kept wrapped by the owner's TPM and released to the agent. */
    static final class Task {
        final long seq = nextSeq++;
        byte[] capsule;
        byte[] address;
        byte[] wrappedAtRest;
        TaskAssignment.Builder assignment;
        final Map<String, TaskDispatch.TaskFileSource> files = new HashMap<>();

        Task(String input, String requiredImage) throws Exception {
            CapsuleSealer.Sealed s = sealer.seal(input.getBytes(StandardCharsets.UTF_8), CapsuleKind.DATA, Requirements.of(requiredImage, 0, 0),
                    new Terms(Terms.Basis.BUDGET, 10), "input of task " + seq);
            capsule = CapsuleFile.encode(s.capsule());
            address = TestImage.digest(capsule);
            wrappedAtRest = wrapKey.wrap(s.aesKey());
            s.wipe();
            Path file = Files.write(tmp.resolve("capsule-" + seq), capsule);
            byte[] sealedKey = release(ReleaseContext.taskId(seq), address, agentCertificate());
            assignment = TestAssignments.assignment(seq, owner, wrapKey.publicKey().getEncoded(), image.archive(), image.id(), capsule, sealedKey);
            files.put("image", new TaskDispatch.TaskFileSource(imageFile, TestImage.digest(image.archive()), image.archive().length));
            files.put("capsule-0", new TaskDispatch.TaskFileSource(file, address, capsule.length));
        }

        /** The owner Pi's release: its TPM unwraps the key, which is sealed to {@code to}'s key for this context. */
        byte[] release(String taskId, byte[] capsuleAddress, X509Certificate to) throws Exception {
            byte[] key = ownerTpm.unwrap(wrappedAtRest);
            try {
                return AgentKeyWrap.seal(to.getPublicKey(), key, ReleaseContext.of(taskId, capsuleAddress, to).encode());
            } finally {
                java.util.Arrays.fill(key, (byte) 0);
            }
        }

        TaskReport run() throws Exception {
            return appliance.engine.tasks().assign(MAC.toString(), assignment.build(), files).get(120, TimeUnit.SECONDS);
        }
    }

    static X509Certificate agentCertificate() {
        return appliance.engine.certificate(MAC.toString()).orElseThrow();
    }

    static byte[] openResult(TaskReport r, long seq, ResultCapsule.Part part, ByteString capsule) throws Exception {
        return ResultOpener.open(ResultCapsule.parse(capsule.toByteArray(), 4 << 20), seq, part, agentCertificate(),
                wrapKey.publicKey().getEncoded(), ownerTpm::unwrap);
    }

    static List<String> taskLog() throws Exception {
        return appliance.log.forHpc(MAC.toString(), 10_000).stream().filter(e -> e.entry().eventId().startsWith("task."))
                .map(e -> e.entry().eventId() + " " + e.entry().message()).toList();
    }

    static void assertRefused(TaskReport r, String sentence) {
        assertThat(r.getStage()).isEqualTo(TaskStage.TASK_STAGE_FAILED);
        assertThat(r.getRefusal()).contains(sentence);
        assertThat(r.getResult().isEmpty()).isTrue();
        assertThat(r.getCleanup().getClean()).as("clean after the refusal: %s", r.getCleanup().getLeftoversList()).isTrue();
    }

    @Test
    void theGuestTransformsTheInputAndOnlyTheOwnersTpmOpensTheResult() throws Exception {
        Task t = new Task(INPUT, image.id());
        long verdictsBefore = appliance.verdicts.stream().filter(v -> v.hpc().equals(MAC.toString()) && v.clean()).count();
        TaskReport r = t.run();
        System.out.println("task " + t.seq + ": " + r.getStage() + ", exit " + r.getExitCode() + ", timings (ms) " + r.getTimingsMillisMap()
                + ", clean-up " + r.getCleanup().getClean() + " after " + r.getCleanup().getWaitedMillis() + " ms");
        assertThat(r.getStage()).isEqualTo(TaskStage.TASK_STAGE_CLEANED);
        assertThat(r.getRefusal()).isEmpty();
        assertThat(r.getExitCode()).isZero();
        assertThat(r.getCleanup().getClean()).isTrue();
        assertThat(r.getTimingsMillisMap()).containsKeys("fetch", "open", "load", "copy-in", "create", "run", "copy-out", "clean-up", "seal",
                "verify-clean");
        assertThat(new String(openResult(r, t.seq, ResultCapsule.Part.RESULT, r.getResult()), StandardCharsets.UTF_8)).isEqualTo("olleh\noel\n");
        assertThat(openResult(r, t.seq, ResultCapsule.Part.STDOUT, r.getStdout())).isEmpty();
        // the executor's Pi (which holds the report) cannot open it: another TPM refuses to unwrap
        try (SwtpmProcess other = SwtpmProcess.start(); Tpm otherTpm = Tpm.open(other.endpoint())) {
            assertThatThrownBy(() -> ResultOpener.open(ResultCapsule.parse(r.getResult().toByteArray(), 4 << 20), t.seq, ResultCapsule.Part.RESULT,
                    agentCertificate(), wrapKey.publicKey().getEncoded(), otherTpm::unwrap)).hasMessageStartingWith("unwrap-failed:");
        }
        assertThat(taskLog()).anyMatch(l -> l.startsWith("task.assigned HPC " + MAC + ": task " + t.seq))
                .anyMatch(l -> l.startsWith("task.loaded HPC " + MAC + ": task " + t.seq))
                .anyMatch(l -> l.startsWith("task.done HPC " + MAC + ": task " + t.seq + ": the guest exited 0"));
        assertThat(appliance.log.verify().intact()).isTrue();
        assertThat(appliance.verdicts.stream().filter(v -> v.hpc().equals(MAC.toString()) && v.clean()).count()).isGreaterThan(verdictsBefore);
    }

    /**
     * Data of two owners (docs/tasks.md "Tasks with data of several owners"): Carol's capsule beside Alice's, each key
     * kept by its owner's TPM; the agent seals the result to each owner's wrap key, which only that TPM opens, and drops
     * the guest's output. A recipient that brought no data, or an owner left out, and nothing is run.
     */
    @Test
    void dataOfTwoOwnersTheResultIsSealedToEachOwnersTpm() throws Exception {
        TestAssignments.Owner carol = TestAssignments.Owner.generate();
        try (SwtpmProcess carolSwtpm = SwtpmProcess.start(); Tpm carolTpm = Tpm.open(carolSwtpm.endpoint())) {
            WrapKey carolWrap = carolTpm.wrapKeyPublic();
            CapsuleSealer.Sealed s = new CapsuleSealer(CapsuleOwner.of(carol.keys()), new SecureRandom(), Clock.systemUTC())
                    .seal("carol\n".getBytes(StandardCharsets.UTF_8), CapsuleKind.DATA, Requirements.of(image.id(), 0, 0), Terms.price(0), "names-b");
            byte[] capsule = CapsuleFile.encode(s.capsule());
            byte[] address = TestImage.digest(capsule);
            byte[] wrapped = carolWrap.wrap(s.aesKey());
            s.wipe();
            Path file = Files.write(tmp.resolve("carol-capsule"), capsule);

            Task t = new Task(INPUT, image.id());
            byte[] key = carolTpm.unwrap(wrapped); // Carol's Pi's release
            byte[] sealedKey = AgentKeyWrap.seal(agentCertificate().getPublicKey(), key, ReleaseContext.of(ReleaseContext.taskId(t.seq), address,
                    agentCertificate()).encode());
            java.util.Arrays.fill(key, (byte) 0);
            t.files.put("capsule-1", new TaskDispatch.TaskFileSource(file, address, capsule.length));
            t.assignment.addCapsules(org.leo.protocol.attest.v1.TaskCapsule.newBuilder().setName("names-b")
                            .setFile(TestAssignments.file("capsule-1", capsule)).setSealedKey(ByteString.copyFrom(sealedKey)))
                    .clearCommand().addCommand("/bin/sh").addCommand("-c").addCommand("echo Carol; cat /work/input /work/names-b > /work/result");
            // each owner's Pi signs its recipient for the task's capsule list on its ledger: Alice's and Carol's capsules
            t.assignment.setRecipient(owner.recipient(t.assignment, wrapKey.publicKey().getEncoded()))
                    .addMoreRecipients(carol.recipient(t.assignment, carolWrap.publicKey().getEncoded()));
            TaskAssignment.Builder both = t.assignment.clone();
            TaskReport r = t.run();
            assertThat(r.getStage()).as(r.getRefusal()).isEqualTo(TaskStage.TASK_STAGE_CLEANED);
            assertThat(r.getCleanup().getClean()).isTrue();
            assertThat(new String(openResult(r, t.seq, ResultCapsule.Part.RESULT, r.getResult()), StandardCharsets.UTF_8))
                    .as("Alice's TPM opens her copy").isEqualTo(INPUT + "carol\n");
            assertThat(r.getMoreResultsCount()).isEqualTo(1);
            assertThat(r.getMoreResults(0).getOwnerMemberKey().toByteArray()).isEqualTo(carol.raw());
            byte[] carols = r.getMoreResults(0).getResult().toByteArray();
            assertThat(new String(ResultOpener.open(ResultCapsule.parse(carols, 4 << 20), t.seq, ResultCapsule.Part.RESULT, agentCertificate(),
                    carolWrap.publicKey().getEncoded(), carolTpm::unwrap), StandardCharsets.UTF_8)).as("Carol's TPM opens hers")
                    .isEqualTo(INPUT + "carol\n");
            assertThatThrownBy(() -> ResultOpener.open(ResultCapsule.parse(carols, 4 << 20), t.seq, ResultCapsule.Part.RESULT, agentCertificate(),
                    wrapKey.publicKey().getEncoded(), ownerTpm::unwrap)).as("Alice's TPM does not open Carol's copy")
                    .hasMessageStartingWith("wrong-recipient:");
            assertThat(openResult(r, t.seq, ResultCapsule.Part.STDOUT, r.getStdout())).as("the guest's output is dropped").isEmpty();
            assertThat(r.getStdoutTotal()).as("but counted").isEqualTo(6);
            assertThat(taskLog()).anyMatch(l -> l.startsWith("task.done HPC " + MAC + ": task " + t.seq));

            // a recipient that brought no data (the executor Pi's own member), and Carol left out: nothing is run
            TestAssignments.Owner stranger = TestAssignments.Owner.generate();
            Task u = new Task(INPUT, image.id());
            u.assignment.addMoreRecipients(stranger.recipient(u.assignment, carolWrap.publicKey().getEncoded()));
            assertRefused(u.run(), "result recipient " + java.util.HexFormat.of().formatHex(stranger.raw()) + " owns no data capsule of task "
                    + u.seq + ": nothing is run for it");
            Task v = new Task(INPUT, image.id());
            byte[] key2 = carolTpm.unwrap(wrapped);
            byte[] sealedKey2 = AgentKeyWrap.seal(agentCertificate().getPublicKey(), key2, ReleaseContext.of(ReleaseContext.taskId(v.seq), address,
                    agentCertificate()).encode());
            java.util.Arrays.fill(key2, (byte) 0);
            v.files.put("capsule-1", new TaskDispatch.TaskFileSource(file, address, capsule.length));
            v.assignment.addCapsules(both.getCapsules(1).toBuilder().setSealedKey(ByteString.copyFrom(sealedKey2)));
            v.assignment.setRecipient(owner.recipient(v.assignment, wrapKey.publicKey().getEncoded())); // Alice signed both capsules
            assertRefused(v.run(), "data capsule 'names-b' of member " + java.util.HexFormat.of().formatHex(carol.raw()) + " has no result recipient "
                    + "for task " + v.seq + ": nothing is run for it");
        }
    }

    /**
     * The hole closed (docs/tasks.md "Tasks with data of several owners"): the executor's Pi adds a capsule of its own
     * member's (Mallory's, its key sealed to the agent by the Pi itself) to Alice's task, with Mallory's recipient signed
     * by Mallory for the longer list, to receive a copy of a result computed over Alice's data. Alice's Pi signed her
     * recipient for the list her task has on the ledger: the agent refuses before it fetches anything.
     */
    @Test
    void aCapsuleTheExecutorsPiAddedWithItsOwnRecipientIsRefusedBeforeAnythingIsFetched() throws Exception {
        TestAssignments.Owner mallory = TestAssignments.Owner.generate();
        CapsuleSealer.Sealed s = new CapsuleSealer(CapsuleOwner.of(mallory.keys()), new SecureRandom(), Clock.systemUTC())
                .seal("mallory\n".getBytes(StandardCharsets.UTF_8), CapsuleKind.DATA, Requirements.of(image.id(), 0, 0), Terms.price(0), "names-m");
        byte[] capsule = CapsuleFile.encode(s.capsule());
        byte[] address = TestImage.digest(capsule);
        Task t = new Task(INPUT, image.id());
        byte[] sealedKey = AgentKeyWrap.seal(agentCertificate().getPublicKey(), s.aesKey(), ReleaseContext.of(ReleaseContext.taskId(t.seq), address,
                agentCertificate()).encode());
        s.wipe();
        t.files.put("capsule-1", new TaskDispatch.TaskFileSource(Files.write(tmp.resolve("mallory-capsule"), capsule), address, capsule.length));
        t.assignment.addCapsules(org.leo.protocol.attest.v1.TaskCapsule.newBuilder().setName("names-m")
                .setFile(TestAssignments.file("capsule-1", capsule)).setSealedKey(ByteString.copyFrom(sealedKey)));
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        t.assignment.addMoreRecipients(mallory.recipient(t.assignment, g.generateKeyPair().getPublic().getEncoded()));
        TaskReport r = t.run();
        assertRefused(r, "the result recipient's wrap key is not signed by the task owner's member key for task " + t.seq + " and this assignment's "
                + "capsule list (SHA-256 " + java.util.HexFormat.of().formatHex(TestAssignments.capsuleList(t.assignment)) + "; one added, left out or "
                + "moved is not the task's): nothing is run for it (recipient " + java.util.HexFormat.of().formatHex(owner.raw()) + ")");
        assertThat(r.getTimingsMillisMap()).as("nothing fetched, opened, loaded or run").doesNotContainKeys("fetch", "open", "load", "run");
        assertThat(r.getMoreResultsCount()).isZero();
        assertThat(taskLog()).anyMatch(l -> l.startsWith("task.refused HPC " + MAC + ": task " + t.seq + ": the agent refused"));
    }

    @Test
    void theAgentAnswersChallengesWhileItsTaskRunsAndAnotherHpcCannotFetchItsFiles() throws Exception {
        Task t = new Task(INPUT, image.id());
        t.assignment.clearCommand().addCommand("/bin/sh").addCommand("-c").addCommand("sleep 3; rev /work/input > /work/result");
        var done = appliance.engine.tasks().assign(MAC.toString(), t.assignment.build(), t.files);
        long before = appliance.verdicts.stream().filter(v -> v.hpc().equals(MAC.toString()) && v.clean()).count();
        // another HPC, enrolled on this Pi, asks for the task's files
        String otherCmdline = TestAppliance.cmdline(appliance.boot(OTHER));
        AgentIdentity otherId = AgentIdentity.generate(OTHER.toString());
        TestAppliance.Enrolled other = appliance.enroll(otherId, otherId.csr(OTHER.toString()), OTHER.toString(), otherCmdline);
        try (RawAgent raw = appliance.stream(other)) {
            double refusedBefore = appliance.registry.counter("attest.task.file.refused").count();
            for (String id : List.of("image", "capsule-0", "nothing")) {
                assertThatThrownBy(() -> AttestationGrpc.newBlockingStub(raw.channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .fetchTaskFile(TaskFileRequest.newBuilder().setTaskSeq(t.seq).setFileId(id).build()).hasNext())
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                            assertThat(e.getStatus().getDescription()).isEqualTo("file '" + id + "' of task " + t.seq + " is not for this certificate");
                        });
            }
            assertThat(appliance.registry.counter("attest.task.file.refused").count()).isEqualTo(refusedBefore + 3);
            // its reports for that task, or for none, and an oversized one are refused and counted; the Pi goes on
            double unknown = appliance.registry.counter("attest.task.report.refused", "reason", "unknown-task").count();
            double oversized = appliance.registry.counter("attest.task.report.refused", "reason", "oversized").count();
            raw.send(AgentMessage.newBuilder().setTaskReport(TaskReport.newBuilder().setTaskSeq(t.seq).setStage(TaskStage.TASK_STAGE_FAILED)
                    .setRefusal("forged")).build());
            raw.send(AgentMessage.newBuilder().setTaskReport(TaskReport.newBuilder().setTaskSeq(999_999).setStage(TaskStage.TASK_STAGE_DONE)).build());
            raw.send(AgentMessage.newBuilder().setTaskReport(TaskReport.newBuilder().setTaskSeq(t.seq).setStage(TaskStage.TASK_STAGE_DONE)
                    .setStdout(ByteString.copyFrom(new byte[3 << 20]))).build());
            awaitCount("attest.task.report.refused", "unknown-task", unknown + 2);
            awaitCount("attest.task.report.refused", "oversized", oversized + 1);
            assertThat(raw.closed.isDone()).isFalse();
        }
        TaskReport r = done.get(120, TimeUnit.SECONDS);
        System.out.println("task " + t.seq + " (3 s guest): timings (ms) " + r.getTimingsMillisMap());
        assertThat(r.getStage()).isEqualTo(TaskStage.TASK_STAGE_CLEANED);
        assertThat(new String(openResult(r, t.seq, ResultCapsule.Part.RESULT, r.getResult()), StandardCharsets.UTF_8)).isEqualTo("olleh\noel\n");
        long during = appliance.verdicts.stream().filter(v -> v.hpc().equals(MAC.toString()) && v.clean()).count() - before;
        System.out.println("clean verdicts while the task ran: " + during);
        assertThat(during).isPositive();
        assertThat(appliance.verdicts).noneMatch(v -> v.hpc().equals(MAC.toString()) && !v.clean() && v.findings().stream()
                .anyMatch(f -> f.eventId().equals("challenge.missed")));
    }

    static void awaitCount(String name, String reason, double atLeast) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (appliance.registry.counter(name, "reason", reason).count() < atLeast) {
            if (System.nanoTime() > until) {
                throw new AssertionError(name + "{" + reason + "} stayed at " + appliance.registry.counter(name, "reason", reason).count());
            }
            Thread.sleep(20);
        }
    }

    @Test
    void anImageWithAnotherDigestIsRefusedBeforeTheLoad() throws Exception {
        String other = "sha256:" + "0f".repeat(32);
        Task t = new Task(INPUT, other);
        t.assignment.setImageId(other);
        TaskReport r = t.run();
        assertRefused(r, "expected " + other);
        assertThat(r.getTimingsMillisMap()).containsKey("fetch").doesNotContainKey("load");
        assertThat(taskLog()).anyMatch(l -> l.startsWith("task.refused HPC " + MAC + ": task " + t.seq + ": the agent refused"));
    }

    @Test
    void capsuleBytesThatAreNotAtTheirAddressAreRefused() throws Exception {
        Task t = new Task(INPUT, image.id());
        byte[] tampered = t.capsule.clone();
        tampered[tampered.length - 1] ^= 1;
        Path bad = Files.write(tmp.resolve("tampered-" + t.seq), tampered);
        // the Pi serves other bytes under the capsule's address
        t.files.put("capsule-0", new TaskDispatch.TaskFileSource(bad, t.address, tampered.length));
        assertRefused(t.run(), "capsule 'input': the Pi sent bytes with SHA-256 " + java.util.HexFormat.of().formatHex(TestImage.digest(tampered))
                + ", the assignment names " + java.util.HexFormat.of().formatHex(t.address));
        // the Pi names the other bytes' address: not the capsule list the owner signed its recipient for
        Task u = new Task(INPUT, image.id());
        byte[] other = u.capsule.clone();
        other[other.length - 1] ^= 1;
        Path otherFile = Files.write(tmp.resolve("other-" + u.seq), other);
        u.assignment.setCapsules(0, u.assignment.getCapsules(0).toBuilder().setFile(TestAssignments.file("capsule-0", other)));
        u.files.put("capsule-0", new TaskDispatch.TaskFileSource(otherFile, TestImage.digest(other), other.length));
        assertRefused(u.run(), "the result recipient's wrap key is not signed by the task owner's member key for task " + u.seq
                + " and this assignment's capsule list");
        // and were the recipient signed for that list, the released key was bound to the real address and does not open
        Task w = new Task(INPUT, image.id());
        byte[] otherW = w.capsule.clone();
        otherW[otherW.length - 1] ^= 1;
        w.assignment.setCapsules(0, w.assignment.getCapsules(0).toBuilder().setFile(TestAssignments.file("capsule-0", otherW)));
        w.assignment.setRecipient(owner.recipient(w.assignment, wrapKey.publicKey().getEncoded()));
        w.files.put("capsule-0", new TaskDispatch.TaskFileSource(Files.write(tmp.resolve("other-" + w.seq), otherW), TestImage.digest(otherW),
                otherW.length));
        assertRefused(w.run(), "capsule 'input': its released key does not open for task " + w.seq);
    }

    @Test
    void aKeySealedForAnotherAgentKeyOrAnotherTaskIsRefused() throws Exception {
        Task t = new Task(INPUT, image.id());
        AgentIdentity stranger = AgentIdentity.generate("stranger");
        t.assignment.setCapsules(0, t.assignment.getCapsules(0).toBuilder().setSealedKey(ByteString.copyFrom(
                t.release(ReleaseContext.taskId(t.seq), t.address, stranger.selfSigned()))));
        assertRefused(t.run(), "its released key does not open for task " + t.seq);
        Task u = new Task(INPUT, image.id());
        u.assignment.setCapsules(0, u.assignment.getCapsules(0).toBuilder().setSealedKey(ByteString.copyFrom(
                u.release(ReleaseContext.taskId(u.seq + 1000), u.address, agentCertificate()))));
        assertRefused(u.run(), "its released key does not open for task " + u.seq);
    }

    @Test
    void aRecipientWhoseSignatureDoesNotVerifyIsRefusedBeforeAnythingIsFetched() throws Exception {
        Task t = new Task(INPUT, image.id());
        // a recipient key the owner signed for another task, and one the owner never signed (the executor Pi's own)
        t.assignment.setRecipient(owner.recipient(t.seq + 1, wrapKey.publicKey().getEncoded(), TestAssignments.capsuleList(t.assignment)));
        TaskReport r = t.run();
        assertRefused(r, "the result recipient's wrap key is not signed by the task owner's member key for task " + t.seq);
        assertThat(r.getTimingsMillisMap()).doesNotContainKeys("fetch", "load", "run");
        Task u = new Task(INPUT, image.id());
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] piKey = g.generateKeyPair().getPublic().getEncoded();
        u.assignment.setRecipient(u.assignment.getRecipient().toBuilder().setWrapKeySpki(ByteString.copyFrom(piKey)));
        TaskReport ur = u.run();
        assertRefused(ur, "nothing is run for it");
        assertThat(ur.getTimingsMillisMap()).doesNotContainKeys("fetch", "load", "run");
    }

    @Test
    void aSecondTaskForTheSameHpcIsRefusedWhileOneRuns() throws Exception {
        Task t = new Task(INPUT, image.id());
        t.assignment.clearCommand().addCommand("/bin/sh").addCommand("-c").addCommand("sleep 2; rev /work/input > /work/result");
        var first = appliance.engine.tasks().assign(MAC.toString(), t.assignment.build(), t.files);
        Task u = new Task(INPUT, image.id());
        assertThatThrownBy(() -> u.run()).hasMessageContaining("HPC " + MAC + " runs a task already");
        assertThat(first.get(120, TimeUnit.SECONDS).getStage()).isEqualTo(TaskStage.TASK_STAGE_CLEANED);
    }
}
