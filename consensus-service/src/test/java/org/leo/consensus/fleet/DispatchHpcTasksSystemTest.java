package org.leo.consensus.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.agent.Agent;
import org.leo.agent.HostEvidence;
import org.leo.agent.collect.CraftedHost;
import org.leo.agent.collect.HostPaths;
import org.leo.agent.task.DockerdProcess;
import org.leo.agent.task.Sandbox;
import org.leo.agent.task.SandboxConfig;
import org.leo.agent.task.TaskRunner;
import org.leo.agent.task.TestImage;
import org.leo.attest.action.HpcControls;
import org.leo.attest.action.WakeOnLanPowerControl;
import org.leo.attest.appraise.TaskExpectation;
import org.leo.attest.server.TestAppliance;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.task.HpcOutcome;
import org.leo.consensus.task.TaskOrder;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleSealer;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.Requirements;
import org.leo.protocol.capsule.ResultCapsule;
import org.leo.protocol.capsule.ResultOpener;
import org.leo.protocol.capsule.Terms;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.tpm.SwtpmProcess;
import org.leo.protocol.tpm.Tpm;
import org.leo.protocol.tpm.WrapKey;

/**
 * {@link DispatchHpcTasks}, the executor Pi's real HPC port, end to end with real peers as attestation-server's
 * TaskOnAgentProtocolSystemTest sets them up: an in-process Pi ({@link TestAppliance}, mTLS gRPC on loopback), a real
 * {@link Agent} with a {@link TaskRunner} over a private dockerd and the registry-less busybox image, and a swtpm as the
 * task owner Pi's TPM (the capsule keys kept wrapped by it and released to the agent's certificate key as
 * {@link KeyRelease#context} says; the result sealed to it). Power: attestation-server's Wake-on-LAN control (a real kind
 * that needs no hardware), configured in {@link HpcControls} for the HPC and aimed at a UDP socket of this test on loopback,
 * which receives the magic packet. Needs root, docker.io, busybox-static and swtpm (skipped with the reason otherwise).
 */
@Tag("system")
class DispatchHpcTasksSystemTest {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:41");
    static final MacAddress UNCONTROLLED = MacAddress.parse("52:54:00:77:00:42");
    static final String INPUT = "hello\nleo\n";
    static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path tmp;
    static Tpm ownerTpm;
    static WrapKey wrapKey;
    static TestImage image;
    static Path imageFile;
    static TestAppliance appliance;
    static MemberKeys owner;
    static CapsuleSealer sealer;
    static DatagramSocket wol;
    static Path taskFiles;
    static DispatchHpcTasks tasks;
    static long nextSeq = 200;
    /** What the set-up started, closed in reverse order. */
    static final Deque<AutoCloseable> started = new ArrayDeque<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm is not installed");
        image = TestImage.assumeBusyboxOnDockerd();
        imageFile = Files.write(tmp.resolve("image.tar"), image.archive());
        DockerdProcess dockerd = DockerdProcess.start();
        started.push(dockerd);
        SwtpmProcess swtpm = SwtpmProcess.start();
        started.push(swtpm);
        ownerTpm = Tpm.open(swtpm.endpoint());
        started.push(ownerTpm);
        wrapKey = ownerTpm.wrapKeyPublic();
        owner = MemberKeys.generate(new SecureRandom());
        sealer = new CapsuleSealer(owner.capsuleOwner(), new SecureRandom(), Clock.systemUTC());
        appliance = new TestAppliance(tmp.resolve("pi"), TestAppliance.fastPolicy(), Duration.ofHours(1));
        started.push(appliance);
        HostPaths host = CraftedHost.copyTo(tmp.resolve("hpc"));
        String cmdline = TestAppliance.cmdline(appliance.boot(MAC));
        Files.writeString(host.proc().resolve("cmdline"), cmdline + "\n");
        TaskRunner runner = new TaskRunner(Sandbox.connect(new SandboxConfig(dockerd.socketUri(), dockerd.workRoot(), dockerd.execRoot())),
                tmp.resolve("agent-images"));
        started.push(runner);
        Agent agent = new Agent(appliance.agentConfig(MAC, cmdline), new HostEvidence(host, Map.of(), Optional.empty(), 1), Map.of())
                .runsTasks(runner);
        Thread agentThread = new Thread(agent, "agent");
        agentThread.start();
        started.push(() -> {
            agent.close();
            agentThread.join(10_000);
        });
        wol = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        started.push(wol);
        wol.setSoTimeout(10_000);
        HpcControls controls = new HpcControls().with(MAC.toString(),
                new WakeOnLanPowerControl(new InetSocketAddress(InetAddress.getLoopbackAddress(), wol.getLocalPort())), null);
        taskFiles = tmp.resolve("data").resolve("task-files");
        tasks = new DispatchHpcTasks(appliance.engine, controls.power(), taskFiles);
        KeyReleaseTest.await(() -> tasks.ready(MAC) && appliance.verdicts.stream()
                .anyMatch(v -> v.hpc().equals(MAC.toString()) && v.clean() && v.challengeId() > 0), "the agent's first clean answer and an open stream");
        System.out.println("engine: " + dockerd + "; image " + image.id() + " (" + image.archive().length + " bytes); owner TPM wrap key "
                + wrapKey.fingerprint());
    }

    @AfterAll
    static void stop() throws Exception {
        while (!started.isEmpty()) {
            started.pop().close();
        }
    }

    /** A capsule as its owner's Pi keeps it: the file, and its AES key wrapped by the owner's TPM. */
    record Kept(byte[] file, ContentAddress address, byte[] wrappedAtRest) {
        static Kept seal(String content, CapsuleKind kind, String label) throws Exception {
            CapsuleSealer.Sealed s = sealer.seal(content.getBytes(StandardCharsets.UTF_8), kind, Requirements.of(image.id(), 0, 0),
                    new Terms(Terms.Basis.BUDGET, 10), label);
            byte[] file = CapsuleFile.encode(s.capsule());
            byte[] wrapped = wrapKey.wrap(s.aesKey());
            s.wipe();
            return new Kept(file, ContentAddress.of(file), wrapped);
        }

        /** The owner Pi's release (KeyRelease): its TPM unwraps the key, sealed to the agent's certificate key for task {@code seq}. */
        TaskOrder.Capsule release(long seq) throws Exception {
            X509Certificate to = agentCertificate();
            byte[] key = ownerTpm.unwrap(wrappedAtRest);
            try {
                byte[] sealed = AgentKeyWrap.seal(to.getPublicKey(), key, KeyRelease.context(seq, address.bytes(), to).encode());
                return new TaskOrder.Capsule(address, file, sealed, ContentAddress.of(to.getEncoded()).bytes());
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        }
    }

    static X509Certificate agentCertificate() {
        return appliance.engine.certificate(MAC.toString()).orElseThrow();
    }

    /** The grey-ish service: its code capsule reverses /work/input into /work/result; the input a data capsule labelled "input". */
    static TaskOrder order(long seq, String input) throws Exception {
        Kept data = Kept.seal(input, CapsuleKind.DATA, "input");
        Kept code = Kept.seal("rev /work/input > /work/result\n", CapsuleKind.CODE, "reverse lines");
        return order(seq, List.of(data.release(seq), code.release(seq)));
    }

    static TaskOrder order(long seq, List<TaskOrder.Capsule> capsules) {
        byte[] spki = wrapKey.publicKey().getEncoded();
        return new TaskOrder(seq, HexFormat.of().parseHex(image.id().substring("sha256:".length())), imageFile, capsules,
                List.of("/bin/sh", "/work/code"), TaskOrder.Limits.DEFAULT, Duration.ofSeconds(60),
                new TaskOrder.ResultRecipient(spki, owner.member(), owner.signResultKey(seq, spki,
                        org.leo.protocol.capsule.TaskCapsuleList.digest(capsules.stream().map(c -> c.address().bytes()).toList()))));
    }

    static List<Path> taskFiles() throws Exception {
        if (!Files.exists(taskFiles)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(taskFiles)) {
            return s.filter(p -> !p.equals(taskFiles)).toList();
        }
    }

    @Test
    void theOrderRunsOnTheAgentAndOnlyTheOwnersTpmOpensTheResult() throws Exception {
        long seq = nextSeq++;
        TaskOrder order = order(seq, INPUT);
        assertThat(tasks.ready(MAC)).isTrue();
        CompletableFuture<HpcOutcome> run = tasks.run(MAC, order);
        // while it runs: not ready, the engine expects the task's image, its capsules are 0600 files under task-SEQ/
        assertThat(tasks.ready(MAC)).isFalse();
        assertThat(appliance.engine.taskExpectation(MAC.toString())).contains(new TaskExpectation.Running(image.id()));
        Path dir = taskFiles.resolve("task-" + seq);
        List<Path> written = taskFiles();
        assertThat(written).contains(dir.resolve("capsule-0"), dir.resolve("capsule-1"));
        for (Path f : written.stream().filter(Files::isRegularFile).toList()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        }
        assertThatThrownBy(() -> tasks.run(MAC, order(seq + 1000, INPUT)).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("HPC " + MAC + " runs a task of this Pi already");

        HpcOutcome out = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        System.out.println("task " + seq + ": exit " + out.exitCode() + (out.timedOut() ? " (timed out)" : "") + "; HPC stage timings: "
                + out.timings().stream().map(t -> t.stage() + " " + t.took().toMillis() + " ms").toList() + "; clean-up problems " + out.cleanProblems());
        assertThat(out.exitCode()).isZero();
        assertThat(out.timedOut()).isFalse();
        assertThat(out.cleanProblems()).isEmpty();
        assertThat(out.timings().stream().map(HpcOutcome.Timing::stage).toList()).containsSubsequence(DispatchHpcTasks.STAGES);
        byte[] result = out.resultCapsule().orElseThrow();
        assertThat(new String(ResultOpener.open(ResultCapsule.parse(result, 4 << 20), seq, ResultCapsule.Part.RESULT, agentCertificate(),
                wrapKey.publicKey().getEncoded(), ownerTpm::unwrap), StandardCharsets.UTF_8)).isEqualTo("olleh\noel\n");
        // after: ready again, no task file left
        assertThat(tasks.ready(MAC)).isTrue();
        assertThat(taskFiles()).isEmpty();
        assertThat(appliance.log.forHpc(MAC.toString(), 10_000).stream().map(e -> e.entry().eventId() + " " + e.entry().message()))
                .anyMatch(l -> l.startsWith("task.assigned HPC " + MAC + ": task " + seq + " ") && l.contains("2 capsule(s)"));
    }

    @Test
    void aTaskTheAgentRefusesCompletesExceptionallyAndLeavesNoFiles() throws Exception {
        long seq = nextSeq++;
        Kept data = Kept.seal(INPUT, CapsuleKind.DATA, "input");
        Kept code = Kept.seal("rev /work/input > /work/result\n", CapsuleKind.CODE, "reverse lines");
        // the data key released for another task: the agent's ReleaseContext does not match
        TaskOrder order = order(seq, List.of(data.release(seq + 1000), code.release(seq)));
        assertThatThrownBy(() -> tasks.run(MAC, order).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("the agent did not run task " + seq + ": ").hasMessageContaining("its released key does not open for task " + seq);
        assertThat(tasks.ready(MAC)).isTrue();
        assertThat(taskFiles()).isEmpty();
        // capsule bytes that are not at their address are refused before anything is written or assigned
        long other = nextSeq++;
        TaskOrder.Capsule good = data.release(other);
        byte[] tampered = data.file().clone();
        tampered[tampered.length - 1] ^= 1;
        TaskOrder bad = order(other, List.of(new TaskOrder.Capsule(good.address(), tampered, good.sealedKey(), good.agentCertificateSha256()),
                code.release(other)));
        assertThatThrownBy(() -> tasks.run(MAC, bad).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("task " + other + ": capsule 0 is not the file at its address " + data.address().hex());
        assertThat(tasks.ready(MAC)).isTrue();
        assertThat(taskFiles()).isEmpty();
    }

    @Test
    void aPowerCycleResetsTheExpectationAndSendsTheHpcsControlItsCommand() throws Exception {
        assertThat(appliance.engine.expectTask(MAC.toString(), new TaskExpectation.Running(image.id()))).isTrue();
        tasks.powerCycle(MAC);
        assertThat(appliance.engine.taskExpectation(MAC.toString())).contains(TaskExpectation.NONE);
        DatagramPacket p = new DatagramPacket(new byte[512], 512);
        wol.receive(p);
        ByteBuffer expected = ByteBuffer.allocate(6 + 16 * 6);
        expected.put(new byte[] {-1, -1, -1, -1, -1, -1});
        for (int i = 0; i < 16; i++) {
            expected.put(MAC.toByteArray());
        }
        assertThat(Arrays.copyOf(p.getData(), p.getLength())).as("the Wake-on-LAN magic packet for %s", MAC).containsExactly(expected.array());
        // an HPC with no power control configured: the failure is logged and thrown, never another HPC's switch
        assertThatThrownBy(() -> tasks.powerCycle(UNCONTROLLED)).isInstanceOf(UncheckedIOException.class)
                .hasMessage("the power-cycle of HPC " + UNCONTROLLED + " failed: no power control is configured for HPC " + UNCONTROLLED
                        + " (--power " + UNCONTROLLED + "=KIND:ARGS)");
    }
}
