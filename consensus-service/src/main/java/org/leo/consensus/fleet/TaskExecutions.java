package org.leo.consensus.fleet;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.capsule.CapsuleStore;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.task.HpcTasks;
import org.leo.consensus.task.Settler;
import org.leo.consensus.task.TaskElection;
import org.leo.consensus.task.TaskOrder;
import org.leo.consensus.task.TaskRound;
import org.leo.consensus.task.TaskTimeline;
import org.leo.protocol.consensus.v1.CapsuleChunk;
import org.leo.protocol.consensus.v1.FetchImageRequest;
import org.leo.protocol.consensus.v1.FetchResultRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor's coordinator on one Pi (docs/tasks.md "The executor's coordinator (built)"): told of each GroupElected
 * its ledger gets, it starts a {@link TaskExecution} for each task whose executor is this Pi's member; at start it resumes
 * every unfinished task of its journal; it serves FetchResult (to the task owner only) and FetchImage, and fetches images
 * and results from peers. Directories under its data dir: {@code images/}, {@code results/} (results this Pi executed),
 * {@code results-received/} (results of this Pi's own tasks), {@code tasks.db} (the journal).
 */
public final class TaskExecutions implements TaskService.GroupListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskExecutions.class);

    /**
     * @param maxAttempts      attempts of each task round (ATTEST, CLEANUP) before the task is given up
     * @param certificateWait  how long a round's certificate (and an idle HPC) is awaited on the ledger
     * @param baselineWait     how long the HPC's fresh baseline is awaited after a power-cycle
     * @param poll             how often the ledger is read while waiting
     * @param rpcDeadline      each key release and fetch (an image fetch gets more: {@link #imageDeadline})
     * @param limits           the guest's limits
     * @param timeout          how long the guest may run
     * @param maxResultBytes   the largest result kept, served or fetched
     * @param maxImageBytes    the largest image archive fetched
     */
    public record Config(int maxAttempts, Duration certificateWait, Duration baselineWait, Duration poll, Duration rpcDeadline,
                         TaskOrder.Limits limits, Duration timeout, long maxResultBytes, long maxImageBytes) {
        public Config {
            if (maxAttempts < 1 || maxAttempts > TaskRound.MAX_ATTEMPT + 1) {
                throw new IllegalArgumentException("maxAttempts " + maxAttempts + ": 1 to " + (TaskRound.MAX_ATTEMPT + 1));
            }
            for (Duration d : new Duration[] {certificateWait, baselineWait, poll, rpcDeadline, timeout}) {
                if (d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("every duration of the executor's configuration is positive, not " + d);
                }
            }
            if (maxResultBytes < 1 || maxImageBytes < 1) {
                throw new IllegalArgumentException("the result and image caps are positive");
            }
        }

        /** The slowest transfer an image fetch is given time for: 8 MiB/s, what a Pi's link sustains with room to spare. */
        static final long MIN_IMAGE_BYTES_PER_SECOND = 8L * 1024 * 1024;

        /**
         * The deadline of one image fetch: {@link #rpcDeadline} plus the time to move {@link #maxImageBytes} at
         * {@link #MIN_IMAGE_BYTES_PER_SECOND} (a 2 GiB cap: 30 s + 256 s), so an image near the cap is not cut off at the RPC's.
         */
        public Duration imageDeadline() {
            return rpcDeadline.plusSeconds((maxImageBytes + MIN_IMAGE_BYTES_PER_SECOND - 1) / MIN_IMAGE_BYTES_PER_SECOND);
        }

        public static Config defaults() {
            return new Config(3, Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMillis(200), Duration.ofSeconds(30), TaskOrder.Limits.DEFAULT,
                    Duration.ofMinutes(10), 32L * 1024 * 1024, ImageStore.DEFAULT_MAX_BYTES);
        }

        public Config withCertificateWait(Duration d) {
            return new Config(maxAttempts, d, baselineWait, poll, rpcDeadline, limits, timeout, maxResultBytes, maxImageBytes);
        }

        /** How long the guest may run before it is stopped (the run then counts as timed out). */
        public Config withTimeout(Duration d) {
            return new Config(maxAttempts, certificateWait, baselineWait, poll, rpcDeadline, limits, d, maxResultBytes, maxImageBytes);
        }

        public Config withMaxAttempts(int n) {
            return new Config(n, certificateWait, baselineWait, poll, rpcDeadline, limits, timeout, maxResultBytes, maxImageBytes);
        }
    }

    private final ConsensusNode node;
    private final HpcTasks hpcs;
    private final Settler settler;
    private final Config config;
    private final TaskJournal journal;
    private final ImageStore images;
    private final ResultStore results;
    private final ResultStore received;
    private final CapsuleStore capsules;
    private final RelayedAnswers relayed;
    private final Refusals refusals;
    private final Clock clock;
    private final ExecutorService work = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "task-execution");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, TaskExecution> running = new ConcurrentHashMap<>();
    private final Map<Long, Future<?>> futures = new ConcurrentHashMap<>();

    TaskExecutions(ConsensusNode node, HpcTasks hpcs, Settler settler, Config config, Path dataDir, CapsuleStore capsules, RelayedAnswers relayed)
            throws IOException {
        this.node = node;
        this.hpcs = hpcs;
        this.settler = settler;
        this.config = config;
        try {
            this.journal = TaskJournal.open(java.nio.file.Files.createDirectories(dataDir).resolve("tasks.db"));
        } catch (SQLException e) {
            throw new IOException("task journal in " + dataDir + ": " + e.getMessage(), e);
        }
        this.images = new ImageStore(dataDir.resolve("images"), config.maxImageBytes());
        this.results = new ResultStore(dataDir.resolve("results"), config.maxResultBytes());
        this.received = new ResultStore(dataDir.resolve(OwnResults.DIR), config.maxResultBytes());
        this.capsules = capsules;
        this.relayed = relayed;
        this.refusals = node.refusals();
        this.clock = node.clock();
    }

    /** Resumes every unfinished task of the journal (after a restart, a kill -9 included). */
    void resume() {
        for (TaskJournal.Row r : journal.all()) {
            if (!r.stage().finished()) {
                List<LedgerEntry> g = node.ledger().ledger().entries(r.groupSeq(), 1);
                if (g.isEmpty()) {
                    LOG.error("task #{}: its group entry #{} is not on this Pi's ledger; left as it is", r.taskSeq(), r.groupSeq());
                    continue;
                }
                LOG.info("task #{}: resumed at stage {} (HPC {})", r.taskSeq(), r.stage(), r.hpc());
                start(new TaskExecution(this, g.get(0), r, clock.instant()));
            }
        }
    }

    @Override
    public void group(LedgerEntry group, boolean atStart) {
        long taskSeq = ((LedgerRecord.GroupElected) group.record()).taskSeq();
        if (running.containsKey(taskSeq) || journal.read(taskSeq).isPresent()) {
            return; // this Pi runs it, ran it, or resumed it from its journal
        }
        if (atStart && !node.ledger().now().rules().taskOpen(taskSeq)) {
            return; // a group already on the ledger at start whose task has ended (settled or expired)
        }
        try {
            LedgerEntry task = node.ledger().ledger().entries(taskSeq, 1).get(0);
            FleetLedger.Snapshot at = node.ledger().at(task.hash()).orElseThrow();
            TaskElection.Group g = TaskElection.elect(task, at.members(), at.totalCredit(), (LedgerRecord.GroupElected) group.record());
            if (g.executor().filter(e -> e.memberId().equals(node.keys().memberHex())).isEmpty()) {
                return;
            }
        } catch (RuntimeException e) {
            LOG.warn("task #{}: its group #{} could not be re-elected here: {}", taskSeq, group.seq(), e.toString());
            return;
        }
        LOG.info("task #{}: this Pi's member is the executor of group #{}{}", taskSeq, group.seq(),
                atStart ? " (recorded while this Pi was not executing tasks; the task is still open)" : "");
        start(new TaskExecution(this, group, new TaskJournal.Row(taskSeq, group.seq(), "", TaskExecution.Stage.ELECTED, 0, 0, 0, 0), clock.instant()));
    }

    /** The HPCs taken by a task here (an HPC runs one task at a time: a power-cycle ends whatever else runs on it). */
    private final Map<MacAddress, Long> taken = new java.util.HashMap<>();

    /** Takes {@code hpc} for {@code taskSeq} if it is free (or already this task's). */
    synchronized boolean take(MacAddress hpc, long taskSeq) {
        return taken.putIfAbsent(hpc, taskSeq) == null || taken.get(hpc) == taskSeq;
    }

    /** Task {@code taskSeq} is over: its HPC is free again. */
    synchronized void free(long taskSeq) {
        taken.values().removeIf(t -> t == taskSeq);
    }

    /** Starts {@code e}, unless an execution of its task was started here already: one per task (a resumed one included). */
    private synchronized void start(TaskExecution e) {
        if (running.putIfAbsent(e.taskSeq(), e) != null) {
            LOG.info("task #{}: runs here already", e.taskSeq());
            return;
        }
        futures.put(e.taskSeq(), work.submit(e));
    }

    /** Task {@code taskSeq}'s execution on this Pi since it started, if any. */
    public Optional<TaskTimeline> timeline(long taskSeq) {
        return Optional.ofNullable(running.get(taskSeq)).map(TaskExecution::timeline);
    }

    /** Task {@code taskSeq}'s journaled stage here, if this Pi executes or executed it. */
    public Optional<String> stage(long taskSeq) {
        return journal.read(taskSeq).map(r -> r.stage().name());
    }

    /** Waits (bounded) until task {@code taskSeq}'s execution here has ended; whether it did. */
    public boolean awaitEnd(long taskSeq, Duration bound) throws InterruptedException {
        Future<?> f = futures.get(taskSeq);
        if (f == null) {
            return false;
        }
        try {
            f.get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.ExecutionException e) {
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        }
    }

    ConsensusNode node() {
        return node;
    }

    HpcTasks hpcs() {
        return hpcs;
    }

    Settler settler() {
        return settler;
    }

    Config config() {
        return config;
    }

    TaskJournal journal() {
        return journal;
    }

    ImageStore images() {
        return images;
    }

    ResultStore results() {
        return results;
    }

    /** Results of this Pi's own tasks, fetched from their executors. */
    public ResultStore received() {
        return received;
    }

    /** This Pi's image store. */
    public ImageStore imageStore() {
        return images;
    }

    CapsuleStore capsules() {
        return capsules;
    }

    RelayedAnswers relayed() {
        return relayed;
    }

    Clock clock() {
        return clock;
    }

    /** The archive of {@code imageId}: kept or staged here, else fetched from the first peer that has it (staged). */
    Optional<Path> image(byte[] imageId) {
        Optional<Path> here = images.kept(imageId).or(() -> images.staged(imageId));
        if (here.isPresent()) {
            return here;
        }
        for (PeerList.Peer p : node.peers().all()) {
            if (Arrays.equals(p.member(), node.keys().member())) {
                continue;
            }
            FetchImageRequest r = FetchImageRequest.newBuilder().setImageId(com.google.protobuf.ByteString.copyFrom(imageId)).build();
            Optional<Path> got;
            try {
                got = images.fetch(imageId, node.client(p).fetchImage(r, config.imageDeadline()), p.memberHex());
            } catch (RuntimeException e) {
                LOG.info("images: {} could not be asked for {}: {}", p.memberHex(), HexFormat.of().formatHex(imageId), e.toString());
                continue;
            }
            if (got.isPresent()) {
                LOG.info("images: {} fetched from Pi {} (staged until the agent accepts it)", HexFormat.of().formatHex(imageId), p.memberHex());
                return got;
            }
        }
        return Optional.empty();
    }

    /**
     * FetchResult: the result of a task this Pi executed, to the task's owner; to another member, the copy sealed to it as
     * the owner of a data capsule of the task, if this Pi keeps one.
     */
    void serveResult(FetchResultRequest r, byte[] peer, StreamObserver<CapsuleChunk> out) {
        String who = HexFormat.of().formatHex(peer);
        long taskSeq = r.getTaskSeq();
        List<LedgerEntry> e = taskSeq < 1 ? List.of() : node.ledger().ledger().entries(taskSeq, 1);
        boolean task = !e.isEmpty() && e.get(0).seq() == taskSeq && e.get(0).record() instanceof LedgerRecord.TaskSubmitted;
        boolean owner = task && Arrays.equals(((LedgerRecord.TaskSubmitted) e.get(0).record()).owner(), peer);
        Optional<byte[]> b;
        try {
            b = owner ? results.get(taskSeq) : task ? results.get(taskSeq, who) : Optional.empty();
        } catch (IOException ex) {
            b = Optional.empty();
        }
        if (!owner && b.isEmpty()) {
            Chunks.refuse(refusals, who, TaskRefusal.NOT_RESULT_OWNER.name(), "member " + who + " asked for the result of task #" + taskSeq
                    + ", which is not its task and holds no data of it that this Pi sealed a result for", Status.PERMISSION_DENIED,
                    TaskRefusal.NOT_RESULT_OWNER.sentence(), out);
            return;
        }
        if (b.isEmpty()) {
            Chunks.refuse(refusals, who, TaskRefusal.NO_RESULT.name(), "no result of task #" + taskSeq + " on this Pi", Status.NOT_FOUND,
                    TaskRefusal.NO_RESULT.sentence(), out);
            return;
        }
        Chunks.send(b.get(), out);
    }

    /** FetchImage: an archive this Pi keeps (its agent accepted it). */
    void serveImage(FetchImageRequest r, byte[] peer, StreamObserver<CapsuleChunk> out) {
        String who = HexFormat.of().formatHex(peer);
        Optional<String> over = TaskLimits.problem(r);
        if (over.isPresent()) {
            Chunks.refuse(refusals, who, FleetRefusal.OVERSIZED.name(), "fetch image: " + over.get(), Status.INVALID_ARGUMENT, over.get(), out);
            return;
        }
        Optional<Path> f = images.kept(r.getImageId().toByteArray());
        if (f.isEmpty()) {
            Chunks.refuse(refusals, who, TaskRefusal.NO_IMAGE.name(), "no image " + HexFormat.of().formatHex(r.getImageId().toByteArray())
                    + " kept here", Status.NOT_FOUND, TaskRefusal.NO_IMAGE.sentence(), out);
            return;
        }
        try {
            Chunks.send(f.get(), out);
        } catch (IOException e) {
            out.onError(Status.INTERNAL.withDescription("the archive could not be read").asRuntimeException());
        }
    }

    /**
     * The owner's side by hand (the Pi does it by itself with {@link OwnResults}): fetches the result of this Pi's own task {@code taskSeq} from its executor's Pi {@code executor},
     * within the cap, and stores it in {@link #received()}; the bytes (opaque: the agent side's ResultOpener opens them
     * with this Pi's TPM).
     */
    public byte[] fetchResult(PeerList.Peer executor, long taskSeq) throws IOException {
        byte[] b = OwnResults.fetch(node.client(executor), taskSeq, config.rpcDeadline(), config.maxResultBytes());
        received.put(taskSeq, b);
        LOG.info("task #{}: result of {} bytes fetched from executor Pi {}", taskSeq, b.length, executor.memberHex());
        return b;
    }

    @Override
    public void close() {
        work.shutdownNow();
        try {
            work.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journal.close();
    }
}
