package org.leo.attest.server;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.leo.attest.appraise.Printable;
import org.leo.attest.enroll.Enroller;
import org.leo.attest.log.AttestationLog;
import org.leo.attest.log.LogEntry;
import org.leo.protocol.attest.v1.TaskAssignment;
import org.leo.protocol.attest.v1.TaskCapsule;
import org.leo.protocol.attest.v1.TaskFile;
import org.leo.protocol.attest.v1.TaskFileChunk;
import org.leo.protocol.attest.v1.TaskFileRequest;
import org.leo.protocol.attest.v1.TaskReport;
import org.leo.protocol.attest.v1.TaskStage;
import org.leo.protocol.capsule.ContentAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pi's side of a task on the agent's protocol (docs/tasks.md "The task on the agent's protocol"):
 * {@link #assign} sends a {@link TaskAssignment} on the HPC's open attestation stream, after logging it
 * durably ({@code task.assigned}); {@link #fetch} serves that task's files to the certificate it was
 * assigned on, and to nobody else (PERMISSION_DENIED, counted in {@code attest.task.file.refused});
 * {@link #report} takes the agent's reports, refusing (counted in {@code attest.task.report.refused}, logged
 * {@code task.refused}) one for a task not assigned to that HPC or over {@link TaskReportCheck}'s caps,
 * and completes the task's future with the final one (CLEANED, merged with the DONE report's outcome, or
 * FAILED) once its log entry is durable. One task per HPC at a time.
 */
public final class TaskDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(TaskDispatch.class);
    static final int CHUNK_BYTES = 64 * 1024;
    /** Beyond the guest's timeout, for fetching, loading, sealing and the clean-up check. */
    static final Duration ALLOWANCE = Duration.ofMinutes(10);
    private static final HexFormat HEX = HexFormat.of();

    /** A file the Pi serves for a task: where it is and what the assignment says of it. */
    public record TaskFileSource(Path path, byte[] sha256, long size) { }

    /** Thrown into a task's future when it cannot complete: no final report in time, an oversized report. */
    public static final class TaskFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        public TaskFailedException(String message) {
            super(message);
        }
    }

    /** The HPC's open stream, as the dispatch needs it (the engine's sessions). */
    interface Streams {
        /** The serial of the certificate the HPC's stream is open on, if one is. */
        Optional<String> serial(String hpc);

        /** Sends {@code a} on the HPC's stream if it is still open on certificate {@code serial}. */
        boolean send(String hpc, String serial, TaskAssignment a);
    }

    private static final class Assigned {
        final String hpc;
        final String serial;
        final TaskAssignment assignment;
        final Map<String, TaskFileSource> files;
        final CompletableFuture<TaskReport> done = new CompletableFuture<>();
        TaskReport outcome;
        ScheduledFuture<?> timeout;

        Assigned(String hpc, String serial, TaskAssignment assignment, Map<String, TaskFileSource> files) {
            this.hpc = hpc;
            this.serial = serial;
            this.assignment = assignment;
            this.files = files;
        }
    }

    private final Streams streams;
    private final AttestationLog log;
    private final MeterRegistry registry;
    private final ScheduledExecutorService timers;
    private final Clock clock;
    private final Map<Long, Assigned> tasks = new ConcurrentHashMap<>();

    TaskDispatch(Streams streams, AttestationLog log, MeterRegistry registry,
                 ScheduledExecutorService timers, Clock clock) {
        this.streams = streams;
        this.log = log;
        this.registry = registry;
        this.timers = timers;
        this.clock = clock;
    }

    /**
     * Assigns task {@code a} to {@code hpc}, whose files (the image and each capsule, by file id) are
     * {@code files}. Completes with the final report (CLEANED or FAILED); exceptionally if the HPC has no
     * open stream, runs a task already, or sends no final report within the task's timeout and
     * {@link #ALLOWANCE}.
     */
    public CompletableFuture<TaskReport> assign(String hpc, TaskAssignment a, Map<String, TaskFileSource> files) {
        long seq = a.getTaskSeq();
        List<TaskFile> named = new ArrayList<>(List.of(a.getImage()));
        a.getCapsulesList().forEach(c -> named.add(c.getFile()));
        for (TaskFile f : named) {
            TaskFileSource src = files.get(f.getFileId());
            if (src == null || src.size() != f.getSize() || !java.util.Arrays.equals(src.sha256(), f.getSha256().toByteArray())) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("file " + f.getFileId()
                        + " of the assignment is not among the files given, or differs in size or SHA-256"));
            }
        }
        Optional<String> serial = streams.serial(hpc);
        if (serial.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " has no open attestation stream"));
        }
        Assigned t = new Assigned(hpc, serial.get(), a, Map.copyOf(files));
        synchronized (tasks) {
            if (tasks.containsKey(seq)) {
                return CompletableFuture.failedFuture(new IllegalStateException("task " + Long.toUnsignedString(seq) + " is assigned already"));
            }
            if (tasks.values().stream().anyMatch(x -> x.hpc.equals(hpc))) {
                return CompletableFuture.failedFuture(new IllegalStateException("HPC " + hpc + " runs a task already"));
            }
            tasks.put(seq, t);
        }
        log.appendDurably(entry(hpc, "info", "task.assigned", "HPC " + hpc + ": task " + Long.toUnsignedString(seq) + " assigned on certificate "
                + serial.get() + ": image " + a.getImageId() + ", " + a.getCapsulesCount() + " capsule(s)", describe(a)));
        long bound = Integer.toUnsignedLong(a.getTimeoutMillis()) + ALLOWANCE.toMillis();
        t.timeout = timers.schedule(() -> fail(t, "no final report within " + bound / 1000 + " s"), bound, TimeUnit.MILLISECONDS);
        if (!streams.send(hpc, serial.get(), a)) {
            fail(t, "the HPC's stream closed before the task was sent");
            return t.done;
        }
        LOG.info("HPC {}: task {} assigned on certificate {}", hpc, Long.toUnsignedString(seq), serial.get());
        return t.done;
    }

    /** The tasks assigned and not yet finished, by seq. */
    public List<Long> assigned() {
        return List.copyOf(tasks.keySet());
    }

    /** A report from the agent on the stream of {@code cert}. */
    void report(X509Certificate cert, TaskReport r) {
        String hpc = Enroller.hpcOf(cert);
        long seq = r.getTaskSeq();
        Assigned t = tasks.get(seq);
        Optional<String> problem = TaskReportCheck.problem(r);
        if (problem.isPresent()) {
            registry.counter("attest.task.report.refused", "reason", "oversized").increment();
            refused(hpc, seq, "a report was refused: " + problem.get());
            if (t != null && t.hpc.equals(hpc)) {
                fail(t, "its agent sent a report over the caps: " + problem.get());
            }
            return;
        }
        if (t == null || !t.hpc.equals(hpc)) {
            registry.counter("attest.task.report.refused", "reason", "unknown-task").increment();
            refused(hpc, seq, "a report for task " + Long.toUnsignedString(seq) + ", which is not assigned to this HPC, was refused");
            return;
        }
        switch (r.getStage()) {
            case TASK_STAGE_LOADED -> log.append(entry(hpc, "info", "task.loaded", "HPC " + hpc + ": task " + Long.toUnsignedString(seq)
                    + ": capsules opened and image " + t.assignment.getImageId() + " loaded", "timings=" + r.getTimingsMillisMap()));
            case TASK_STAGE_DONE -> {
                synchronized (t) {
                    t.outcome = r;
                }
                log.append(entry(hpc, "info", "task.done", "HPC " + hpc + ": task " + Long.toUnsignedString(seq) + ": the guest exited "
                        + r.getExitCode() + (r.getTimedOut() ? " (timed out)" : "") + (r.getOomKilled() ? " (OOM-killed)" : ""),
                        "result=" + digest(r.getResult().toByteArray()) + " stdout=" + digest(r.getStdout().toByteArray()) + " stderr="
                                + digest(r.getStderr().toByteArray()) + r.getMoreResultsList().stream().map(c -> " result-for-"
                                + java.util.HexFormat.of().formatHex(c.getOwnerMemberKey().toByteArray()) + "=" + digest(c.getResult().toByteArray()))
                                .collect(java.util.stream.Collectors.joining()) + " timings=" + r.getTimingsMillisMap()));
            }
            case TASK_STAGE_CLEANED -> {
                TaskReport outcome;
                synchronized (t) {
                    outcome = t.outcome;
                }
                TaskReport last = outcome == null ? r : outcome.toBuilder().setStage(TaskStage.TASK_STAGE_CLEANED).setCleanup(r.getCleanup())
                        .putAllTimingsMillis(r.getTimingsMillisMap()).build();
                log.append(entry(hpc, r.getCleanup().getClean() ? "info" : "warning", "task.cleaned", "HPC " + hpc + ": task "
                        + Long.toUnsignedString(seq) + ": the engine is " + (r.getCleanup().getClean() ? "clean" : "not clean"),
                        String.join("; ", r.getCleanup().getLeftoversList()))).whenComplete((x, e) -> finish(t, last));
            }
            case TASK_STAGE_FAILED -> {
                refused(hpc, seq, "the agent refused or failed the task: " + r.getRefusal()).whenComplete((x, e) -> finish(t, r));
            }
            default -> { } // RUNNING
        }
    }

    /**
     * Serves file {@code req.file_id} of task {@code req.task_seq} to {@code cert}, if the task was
     * assigned on that certificate and names that file; chunks are sent as the transport is ready.
     */
    void fetch(X509Certificate cert, TaskFileRequest req, ServerCallStreamObserver<TaskFileChunk> out) {
        String hpc = Enroller.hpcOf(cert);
        Assigned t = tasks.get(req.getTaskSeq());
        String serial = cert.getSerialNumber().toString(16);
        TaskFileSource src = t == null ? null : t.files.get(req.getFileId());
        if (t == null || !t.hpc.equals(hpc) || !t.serial.equals(serial) || src == null) {
            registry.counter("attest.task.file.refused").increment();
            String why = "file '" + Printable.of(req.getFileId(), 64) + "' of task " + Long.toUnsignedString(req.getTaskSeq())
                    + " is not for this certificate";
            refused(hpc, req.getTaskSeq(), "a fetch was refused: " + why);
            out.onError(Status.PERMISSION_DENIED.withDescription(why).asRuntimeException());
            return;
        }
        new TaskFileSender(src, out).start();
    }

    private void finish(Assigned t, TaskReport r) {
        if (tasks.remove(t.assignment.getTaskSeq(), t)) {
            if (t.timeout != null) {
                t.timeout.cancel(false);
            }
            t.done.complete(r);
        }
    }

    private void fail(Assigned t, String why) {
        if (tasks.remove(t.assignment.getTaskSeq(), t)) {
            if (t.timeout != null) {
                t.timeout.cancel(false);
            }
            refused(t.hpc, t.assignment.getTaskSeq(), "task failed: " + why).whenComplete((x, e) -> t.done.completeExceptionally(
                    new TaskFailedException("task " + Long.toUnsignedString(t.assignment.getTaskSeq()) + " on HPC " + t.hpc + ": " + why)));
        }
    }

    /** Logs a refusal; the future completes when the entry is durable (or could not be written). */
    private CompletableFuture<?> refused(String hpc, long seq, String why) {
        LOG.warn("HPC {}: task {}: {}", hpc, Long.toUnsignedString(seq), Printable.of(why, 512));
        return log.append(entry(hpc, "warning", "task.refused", "HPC " + hpc + ": task " + Long.toUnsignedString(seq) + ": " + why, ""));
    }

    private LogEntry entry(String hpc, String severity, String eventId, String message, String detail) {
        return new LogEntry(clock.instant(), hpc, LogEntry.Kind.TASK, severity, eventId, message, detail);
    }

    /** Who and what, for the log: the image's archive and each capsule by SHA-256, the recipient's wrap key. */
    private static String describe(TaskAssignment a) {
        StringBuilder b = new StringBuilder("image-archive=").append(HEX.formatHex(a.getImage().getSha256().toByteArray()));
        for (TaskCapsule c : a.getCapsulesList()) {
            b.append(" capsule ").append(c.getName()).append('=').append(HEX.formatHex(c.getFile().getSha256().toByteArray()));
        }
        return b.append(" recipient-wrap-key=").append(digest(a.getRecipient().getWrapKeySpki().toByteArray())).toString();
    }

    private static String digest(byte[] b) {
        return b.length == 0 ? "none" : ContentAddress.of(b).hex();
    }
}
