package org.leo.agent.task;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.leo.protocol.attest.v1.CleanupReport;
import org.leo.protocol.attest.v1.ResultCopy;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;
import org.leo.protocol.capsule.Capsule;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.CapsuleOpener;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.capsule.ResultCapsule;
import org.leo.protocol.capsule.ResultSealer;
import org.leo.protocol.keywrap.AgentKeyWrap;
import org.leo.protocol.keywrap.KeyWrapException;
import org.leo.protocol.keywrap.ReleaseContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the task the Pi assigned, one at a time, off the attestation stream's thread (the agent goes on
 * answering challenges): checks the assignment ({@link TaskAssignmentCheck}), fetches each capsule and
 * checks its address, opens its released key with the agent's in-RAM key for this task, this capsule and
 * this certificate ({@link ReleaseContext}) and then the capsule, fetches the image into a file in RAM and
 * loads it against its id ({@link Sandbox#load}), runs the guest ({@link Sandbox#run}), seals the result
 * and the guest's output for the task owner ({@link ResultSealer}), reports, checks the engine clean
 * ({@link Sandbox#verifyClean}) and reports that. Reports: LOADED, RUNNING, DONE, then CLEANED; or FAILED
 * with the refusal and the clean-up check. Nothing of the guest's output or the capsules is logged.
 */
public final class TaskRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);
    static final Duration CLEAN_BOUND = Duration.ofSeconds(10);
    private static final long IDLE = -1;

    /**
     * What a task needs of the stream it arrived on: the channel to fetch its files over, the key and
     * certificate the Pi released its capsule keys to, and where reports go (the current stream).
     */
    public record Session(ManagedChannel channel, PrivateKey key, X509Certificate certificate, Consumer<TaskReport> reports) { }

    private final Sandbox sandbox;
    private final Path imageDir;
    private final AtomicLong running = new AtomicLong(IDLE);
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "agent-task");
        t.setDaemon(true);
        return t;
    });

    /** Tasks on {@code sandbox}, images fetched into {@code imageDir} (a directory in RAM on the HPC). */
    public TaskRunner(Sandbox sandbox, Path imageDir) throws IOException {
        this.sandbox = sandbox;
        this.imageDir = Files.createDirectories(imageDir);
    }

    /** Takes the task, or refuses it at once (a FAILED report) if one is running. Never blocks. */
    public void assign(TaskAssignment a, Session s) {
        long seq = a.getTaskSeq();
        if (!running.compareAndSet(IDLE, seq)) {
            String why = "task " + Long.toUnsignedString(running.get()) + " is running; this agent runs one task at a time";
            LOG.warn("task {} refused: {}", Long.toUnsignedString(seq), why);
            s.reports().accept(TaskReport.newBuilder().setTaskSeq(seq).setStage(TaskStage.TASK_STAGE_FAILED).setRefusal(why).build());
            return;
        }
        worker.execute(() -> {
            try {
                run(a, s);
            } finally {
                running.set(IDLE);
            }
        });
    }

    /** True while a task runs. */
    public boolean busy() {
        return running.get() != IDLE;
    }

    private void run(TaskAssignment a, Session s) {
        long seq = a.getTaskSeq();
        String task = "task " + Long.toUnsignedString(seq);
        Map<String, Long> timings = new LinkedHashMap<>();
        TaskReport.Builder report = TaskReport.newBuilder().setTaskSeq(seq);
        Map<String, byte[]> inputs = new LinkedHashMap<>();
        Path archive = imageDir.resolve("task-" + Long.toUnsignedString(seq) + ".tar");
        LoadedImage image = null;
        boolean ran = false;
        try {
            TaskAssignmentCheck.Plan p = TaskAssignmentCheck.check(a);
            TaskFiles files = new TaskFiles(s.channel(), seq);
            byte[] certSha = sha256(s.certificate());
            Map<String, String> dataOwners = new LinkedHashMap<>(); // member hex -> the name of its first DATA capsule
            for (TaskAssignmentCheck.CapsuleRef c : p.capsules()) {
                long t = System.nanoTime();
                byte[] file = files.fetch("capsule '" + c.name() + "'", c.file());
                lap(timings, "fetch", t);
                t = System.nanoTime();
                inputs.put(c.name(), open(p, c, file, s.key(), certSha, dataOwners));
                lap(timings, "open", t);
            }
            checkRecipients(p, dataOwners);
            long t = System.nanoTime();
            Files.deleteIfExists(archive);
            files.fetch("the image", p.image(), archive);
            lap(timings, "fetch", t);
            try {
                image = sandbox.load(archive, p.imageId());
            } finally {
                Files.deleteIfExists(archive);
            }
            timings.put("load", image.took().toMillis());
            LOG.info("{}: {} capsule(s) opened, image {} loaded", task, inputs.size(), image.id());
            s.reports().accept(report.setStage(TaskStage.TASK_STAGE_LOADED).putAllTimingsMillis(timings).build());
            s.reports().accept(report.setStage(TaskStage.TASK_STAGE_RUNNING).build());
            ran = true;
            Result r = sandbox.run(image.id(), p.command(), inputs, p.limits(), p.timeout());
            wipe(inputs);
            r.timings().stages().forEach((stage, d) -> timings.put(stage.toString(), d.toMillis()));
            t = System.nanoTime();
            report.setExitCode(r.exitCode()).setTimedOut(r.timedOut()).setOomKilled(r.oomKilled()).setResultProblem(r.resultProblem())
                    .setStdoutTotal(r.stdout().total()).setStderrTotal(r.stderr().total());
            if (r.result().isPresent()) {
                report.setResult(seal(r.result().get(), ResultCapsule.Part.RESULT, p, p.recipient(), s));
                for (TaskAssignmentCheck.Recipient more : p.recipients().subList(1, p.recipients().size())) {
                    report.addMoreResults(ResultCopy.newBuilder().setOwnerMemberKey(ByteString.copyFrom(more.memberKey()))
                            .setResult(seal(r.result().get(), ResultCapsule.Part.RESULT, p, more.key(), s)));
                }
            }
            // with data of several owners only the result leaves: the guest's output could carry any owner's data
            boolean severalOwners = p.recipients().size() > 1;
            report.setStdout(seal(severalOwners ? new byte[0] : r.stdout().kept(), ResultCapsule.Part.STDOUT, p, p.recipient(), s));
            report.setStderr(seal(severalOwners ? new byte[0] : r.stderr().kept(), ResultCapsule.Part.STDERR, p, p.recipient(), s));
            lap(timings, "seal", t);
            LOG.info("{}: the guest exited {}{}{}; {}", task, r.exitCode(), r.timedOut() ? " (timed out)" : "", r.oomKilled() ? " (OOM)" : "",
                    r.timings());
            s.reports().accept(report.setStage(TaskStage.TASK_STAGE_DONE).putAllTimingsMillis(timings)
                    .setCleanup(CleanupReport.newBuilder().addAllErrors(r.cleanUpErrors())).build());
            report.clearResult().clearStdout().clearStderr().clearMoreResults(); // sent once
            s.reports().accept(clean(report.setStage(TaskStage.TASK_STAGE_CLEANED), timings, r.cleanUpErrors()));
        } catch (TaskRefusedException | SandboxException | IOException | RuntimeException e) {
            String why = e instanceof RuntimeException ? "the agent failed: " + e : e.getMessage();
            LOG.warn("{} failed: {}", task, why);
            if (image != null && !ran) {
                sandbox.unload(image);
            }
            s.reports().accept(clean(report.setStage(TaskStage.TASK_STAGE_FAILED).setRefusal(why), timings, java.util.List.of()));
        } finally {
            wipe(inputs);
            try {
                Files.deleteIfExists(archive);
            } catch (IOException e) {
                LOG.warn("{}: could not remove {}: {}", task, archive, e.getMessage());
            }
        }
    }

    /**
     * The capsule's plaintext: its bytes are at the address the assignment names (TaskFiles checked), its
     * key opens for this task, this address and this certificate, it asks for this task's image, it opens.
     */
    private static byte[] open(TaskAssignmentCheck.Plan p, TaskAssignmentCheck.CapsuleRef c, byte[] file, PrivateKey key, byte[] certSha,
                               Map<String, String> dataOwners) throws TaskRefusedException {
        String what = "capsule '" + c.name() + "'";
        byte[] address = c.file().getSha256().toByteArray();
        byte[] aes = null;
        try {
            aes = AgentKeyWrap.open(key, c.sealedKey(), new ReleaseContext(ReleaseContext.taskId(p.taskSeq()), address, certSha).encode());
            Capsule capsule = CapsuleFile.parse(file, new CapsuleLimits(TaskAssignmentCheck.MAX_CAPSULE_BYTES));
            String wanted = capsule.header().requirements().imageDigest();
            if (!wanted.equals(p.imageId())) {
                throw new TaskRefusedException(what + " requires image " + wanted + ", the task's image is " + p.imageId());
            }
            byte[] plain = CapsuleOpener.open(capsule, aes); // the header's signature checked: its owner is the owner's claim
            if (capsule.header().kind() == CapsuleKind.DATA) {
                dataOwners.putIfAbsent(capsule.header().ownerHex(), c.name());
            }
            return plain;
        } catch (KeyWrapException e) {
            throw new TaskRefusedException(what + ": its released key does not open for task " + Long.toUnsignedString(p.taskSeq())
                    + ", capsule " + ContentAddress.ofDigest(address).hex() + " and this agent's certificate: " + e.getMessage());
        } catch (CapsuleException e) {
            throw new TaskRefusedException(what + ": " + e.getMessage());
        } finally {
            if (aes != null) {
                Arrays.fill(aes, (byte) 0);
            }
        }
    }

    private static ByteString seal(byte[] plaintext, ResultCapsule.Part part, TaskAssignmentCheck.Plan p, java.security.PublicKey to, Session s) {
        return ByteString.copyFrom(ResultSealer.seal(plaintext, part, p.taskSeq(), to, s.certificate(), s.key()));
    }

    /**
     * The recipients are exactly the owners of the assignment's DATA capsules (their signed headers): a Pi cannot have the
     * result sealed to a member that brought no data, nor leave out one that did. That the capsules are the task's on the
     * ledger is the Pi's claim (the agent reads no ledger), as the task owner's member key is.
     */
    static void checkRecipients(TaskAssignmentCheck.Plan p, Map<String, String> dataOwners) throws TaskRefusedException {
        java.util.Set<String> recipients = new java.util.LinkedHashSet<>();
        for (TaskAssignmentCheck.Recipient r : p.recipients()) {
            String member = java.util.HexFormat.of().formatHex(r.memberKey());
            recipients.add(member);
            if (!dataOwners.containsKey(member)) {
                throw new TaskRefusedException("result recipient " + member + " owns no data capsule of task " + Long.toUnsignedString(p.taskSeq())
                        + ": nothing is run for it");
            }
        }
        for (Map.Entry<String, String> owner : dataOwners.entrySet()) {
            if (!recipients.contains(owner.getKey())) {
                throw new TaskRefusedException("data capsule '" + owner.getValue() + "' of member " + owner.getKey() + " has no result recipient "
                        + "for task " + Long.toUnsignedString(p.taskSeq()) + ": nothing is run for it");
            }
        }
    }

    /** The report with the clean-up check after the task. */
    private TaskReport clean(TaskReport.Builder report, Map<String, Long> timings, java.util.List<String> errors) {
        long t = System.nanoTime();
        CleanupReport.Builder c = CleanupReport.newBuilder().addAllErrors(errors);
        try {
            CleanReport r = sandbox.verifyClean(CLEAN_BOUND);
            c.setClean(r.clean()).addAllLeftovers(r.leftovers()).setWaitedMillis(r.waited().toMillis());
        } catch (IOException | RuntimeException e) {
            c.setClean(false).addLeftovers("the clean-up check failed: " + e.getMessage());
        }
        lap(timings, "verify-clean", t);
        return report.setCleanup(c).putAllTimingsMillis(timings).build();
    }

    private static void lap(Map<String, Long> timings, String stage, long startNanos) {
        timings.merge(stage, (System.nanoTime() - startNanos) / 1_000_000, Long::sum);
    }

    private static byte[] sha256(X509Certificate c) {
        try {
            return ContentAddress.sha256().digest(c.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("the agent certificate has no DER encoding", e);
        }
    }

    private static void wipe(Map<String, byte[]> inputs) {
        inputs.values().forEach(b -> Arrays.fill(b, (byte) 0));
        inputs.clear();
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
