package org.leo.consensus.fleet;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.leo.attest.action.PowerControl;
import org.leo.attest.appraise.TaskExpectation;
import org.leo.attest.server.AttestationEngine;
import org.leo.attest.server.HpcStatus;
import org.leo.attest.server.TaskDispatch;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.task.HpcOutcome;
import org.leo.consensus.task.HpcTasks;
import org.leo.consensus.task.TaskOrder;
import org.leo.protocol.attest.v1.ResultRecipient;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskCapsule;
import org.leo.protocol.attest.v1.TaskFile;
import org.leo.protocol.attest.v1.TaskLimits;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;
import org.leo.protocol.capsule.CapsuleException;
import org.leo.protocol.capsule.CapsuleFile;
import org.leo.protocol.capsule.CapsuleHeader;
import org.leo.protocol.capsule.CapsuleKind;
import org.leo.protocol.capsule.CapsuleLimits;
import org.leo.protocol.capsule.ContentAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's Pi's {@link HpcTasks} over its attestation server (docs/tasks.md "The executor's coordinator"): a task
 * goes to the HPC's agent as a {@link TaskAssignment} on its open attestation stream ({@link TaskDispatch}), its files
 * served from this Pi. {@link #run} writes each capsule to a 0600 file under {@code DIR/task-SEQ/} (deleted when the run
 * ends, whatever its end), sets the engine's expectation to the task's image before assigning (answers during the run are
 * appraised against it), and maps the agent's final report to an {@link HpcOutcome}; {@link #powerCycle} sets the
 * expectation back to none and cuts the power through {@code power} (HpcControls.power() as the appliance configures it).
 * The expectation set for a run stays until that power-cycle, which the coordinator does after every run, failed or not.
 * <p>
 * Capsule names in the guest's {@code /work}: the code capsule (header kind CODE) is {@code code}; a data capsule is named
 * by its header's label when that is a plain file name (what {@code leo task submit} sets: the file's name) other than
 * {@code code} and {@code result}, else {@code data-I} (I its index in the order). Two capsules of one name are refused.
 * The capsules go to the agent in the order's order: the capsule list the recipients are signed for ({@link ResultKey#capsuleList}).
 */
public final class DispatchHpcTasks implements HpcTasks {
    private static final Logger LOG = LoggerFactory.getLogger(DispatchHpcTasks.class);
    /** The agent's name rule for an input in /work (hpc-agent WorkVolume). */
    static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    static final String CODE = "code";
    /** The agent's stages in the order they run; others it may report follow, by name. */
    static final List<String> STAGES = List.of("fetch", "open", "load", "copy-in", "create", "run", "copy-out", "clean-up", "seal", "verify-clean");
    /** The agent's cap on capsules per task (TaskAssignmentCheck). */
    static final int MAX_CAPSULES = 16;
    private static final Duration MAX_TIMEOUT = Duration.ofHours(24);
    private static final HexFormat HEX = HexFormat.of();

    private final AttestationEngine engine;
    private final PowerControl power;
    private final Path dir;
    private final Set<MacAddress> running = ConcurrentHashMap.newKeySet();

    /** @param dir where task files are written while a task runs ({@code DATA-DIR/task-files}); this class owns it */
    public DispatchHpcTasks(AttestationEngine engine, PowerControl power, Path dir) {
        this.engine = engine;
        this.power = power;
        this.dir = dir;
    }

    /** Whether {@code hpc}'s agent has a certificate and an open stream here, and no task of this Pi runs on it. */
    @Override
    public boolean ready(MacAddress hpc) {
        String h = hpc.toString();
        return !running.contains(hpc) && engine.certificate(h).isPresent() && engine.status(h).map(HpcStatus::connected).orElse(false);
    }

    @Override
    public CompletableFuture<HpcOutcome> run(MacAddress hpc, TaskOrder order) {
        String seq = Long.toUnsignedString(order.taskSeq());
        if (!running.add(hpc)) {
            return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " runs a task of this Pi already"));
        }
        Path files = dir.resolve("task-" + seq);
        CompletableFuture<TaskReport> report;
        try {
            Assignment a = assignment(order, files);
            String imageId = a.assignment().getImageId();
            if (!engine.expectTask(hpc.toString(), new TaskExpectation.Running(imageId))) {
                throw new IllegalStateException("HPC " + hpc + " has no session on this Pi's attestation server");
            }
            LOG.info("task #{}: assigned to HPC {}: image {}, capsules {}", seq, hpc, imageId,
                    a.assignment().getCapsulesList().stream().map(TaskCapsule::getName).toList());
            report = engine.tasks().assign(hpc.toString(), a.assignment(), a.files());
        } catch (IOException | RuntimeException e) {
            report = CompletableFuture.failedFuture(e);
        }
        return report.whenComplete((r, e) -> {
            delete(files);
            running.remove(hpc);
        }).thenApply(r -> outcome(order.taskSeq(), r));
    }

    @Override
    public void powerCycle(MacAddress hpc) {
        String h = hpc.toString();
        if (!engine.expectTask(h, TaskExpectation.NONE)) {
            LOG.info("HPC {} has no session here: no task expectation to reset", hpc);
        }
        try {
            power.powerCycle(h);
            LOG.info("HPC {} power-cycled through {}", hpc, power.describe(h));
        } catch (IOException e) {
            LOG.warn("HPC {}: the power-cycle through {} failed: {}", hpc, power.describe(h), e.getMessage());
            throw new UncheckedIOException("the power-cycle of HPC " + hpc + " failed: " + e.getMessage(), e);
        }
    }

    record Assignment(TaskAssignment assignment, Map<String, TaskDispatch.TaskFileSource> files) {
    }

    /** The assignment of {@code order}, its capsules written under {@code files}. */
    static Assignment assignment(TaskOrder order, Path files) throws IOException {
        String seq = Long.toUnsignedString(order.taskSeq());
        if (order.capsules().size() > MAX_CAPSULES) {
            throw new IllegalArgumentException("task " + seq + " has " + order.capsules().size() + " capsules; an agent takes at most " + MAX_CAPSULES);
        }
        if (order.timeout().isNegative() || order.timeout().toMillis() < 1 || order.timeout().compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("task " + seq + ": a timeout is 1 ms .. 24 h, got " + order.timeout());
        }
        if (order.imageId().length != 32) {
            throw new IllegalArgumentException("task " + seq + ": an image id is a SHA-256 (32 bytes), got " + order.imageId().length);
        }
        List<String> names = names(order);
        delete(files);
        Files.createDirectories(files.getParent());
        Files.createDirectory(files, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Map<String, TaskDispatch.TaskFileSource> sources = new LinkedHashMap<>();
        long archiveSize = Files.size(order.imageArchive());
        byte[] archiveSha = sha256(order.imageArchive());
        sources.put("image", new TaskDispatch.TaskFileSource(order.imageArchive(), archiveSha, archiveSize));
        TaskAssignment.Builder a = TaskAssignment.newBuilder().setTaskSeq(order.taskSeq())
                .setImage(file("image", archiveSha, archiveSize)).setImageId("sha256:" + HEX.formatHex(order.imageId()));
        for (int i = 0; i < order.capsules().size(); i++) {
            TaskOrder.Capsule c = order.capsules().get(i);
            String id = "capsule-" + i;
            Path f = files.resolve(id);
            Files.write(f, c.file(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            sources.put(id, new TaskDispatch.TaskFileSource(f, c.address().bytes(), c.file().length));
            a.addCapsules(TaskCapsule.newBuilder().setName(names.get(i)).setFile(file(id, c.address().bytes(), c.file().length))
                    .setSealedKey(ByteString.copyFrom(c.sealedKey())));
        }
        a.addAllCommand(order.command());
        a.setLimits(TaskLimits.newBuilder().setMemoryBytes(order.limits().memoryBytes()).setNanoCpus(Math.round(order.limits().cpus() * 1e9))
                .setPids(order.limits().pids()));
        a.setTimeoutMillis((int) order.timeout().toMillis());
        a.setRecipient(recipient(order.recipient()));
        order.moreRecipients().forEach(r -> a.addMoreRecipients(recipient(r)));
        return new Assignment(a.build(), sources);
    }

    private static ResultRecipient recipient(TaskOrder.ResultRecipient r) {
        return ResultRecipient.newBuilder().setWrapKeySpki(ByteString.copyFrom(r.wrapKeySpki())).setOwnerMemberKey(ByteString.copyFrom(r.ownerMemberKey()))
                .setSignature(ByteString.copyFrom(r.signature())).build();
    }

    /** Each capsule's name in /work, in order (see the class comment); refuses a capsule not at its address, and duplicates. */
    static List<String> names(TaskOrder order) {
        String seq = Long.toUnsignedString(order.taskSeq());
        List<String> names = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < order.capsules().size(); i++) {
            TaskOrder.Capsule c = order.capsules().get(i);
            if (!ContentAddress.of(c.file()).equals(c.address())) {
                throw new IllegalArgumentException("task " + seq + ": capsule " + i + " is not the file at its address " + c.address().hex());
            }
            CapsuleHeader h;
            try {
                h = CapsuleFile.parse(c.file(), new CapsuleLimits(CapsuleLimits.CEILING)).header();
            } catch (CapsuleException e) {
                throw new IllegalArgumentException("task " + seq + ": capsule " + c.address().hex() + " is not a capsule file: " + e.getMessage(), e);
            }
            String name = h.kind() == CapsuleKind.CODE ? CODE
                    : PLAIN_NAME.matcher(h.label()).matches() && !h.label().equals(CODE) && !h.label().equals("result") ? h.label() : "data-" + i;
            if (!seen.add(name)) {
                throw new IllegalArgumentException("task " + seq + ": two capsules would be /work/" + name + " (capsule " + c.address().hex() + ")");
            }
            names.add(name);
        }
        return names;
    }

    /** The agent's final report as the port's outcome; a refused or failed task completes exceptionally. */
    static HpcOutcome outcome(long taskSeq, TaskReport r) {
        if (r.getStage() != TaskStage.TASK_STAGE_CLEANED) {
            throw new IllegalStateException("the agent did not run task " + Long.toUnsignedString(taskSeq) + ": "
                    + (r.getRefusal().isEmpty() ? "its last report is " + r.getStage() : r.getRefusal()));
        }
        List<HpcOutcome.Timing> timings = new ArrayList<>();
        Map<String, Long> t = r.getTimingsMillisMap();
        Stream.concat(STAGES.stream().filter(t::containsKey), t.keySet().stream().filter(k -> !STAGES.contains(k)).sorted())
                .forEach(k -> timings.add(new HpcOutcome.Timing(k, Duration.ofMillis(t.get(k)))));
        List<String> problems = new ArrayList<>();
        if (!r.getCleanup().getClean()) {
            problems.addAll(r.getCleanup().getLeftoversList());
            r.getCleanup().getErrorsList().forEach(e -> problems.add("clean-up error: " + e));
            if (problems.isEmpty()) {
                problems.add("the agent reports its engine not clean");
            }
        }
        Optional<byte[]> result = r.getResult().isEmpty() ? Optional.empty() : Optional.of(r.getResult().toByteArray());
        Map<String, byte[]> more = new LinkedHashMap<>();
        r.getMoreResultsList().forEach(c -> more.put(HEX.formatHex(c.getOwnerMemberKey().toByteArray()), c.getResult().toByteArray()));
        return new HpcOutcome(r.getExitCode(), r.getTimedOut(), timings, result, problems, more);
    }

    private static TaskFile file(String id, byte[] sha256, long size) {
        return TaskFile.newBuilder().setFileId(id).setSha256(ByteString.copyFrom(sha256)).setSize(size).build();
    }

    private static void delete(Path files) {
        if (!Files.exists(files)) {
            return;
        }
        try (Stream<Path> s = Files.list(files)) {
            for (Path f : s.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(files);
        } catch (IOException e) {
            LOG.warn("the task files in {} were not all deleted: {}", files, e.getMessage());
        }
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest d = ContentAddress.sha256();
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
        }
        return d.digest();
    }
}
