package org.leo.consensus.fleet;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.TaskRound;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.FetchResultRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task owner's side of results (docs/tasks.md "How the owner gets the result"): this Pi follows its own tasks, and
 * the tasks that name one of its data capsules ("Tasks with data of several owners": the executor keeps a copy sealed
 * to this Pi), (the task service's {@link TaskWatch} hands it every task, group, certificate, settlement and expiry it reads) and,
 * once a task's TRUSTED clean-up certificate or its {@code TaskSettled} is on the ledger, fetches the sealed result
 * from the executor's Pi (FetchResult) into {@code DIR/<task>.result}: at once, then again on a bounded schedule
 * while that Pi is unreachable or has none, never once it is stored. It also keeps, per own task, the agent
 * certificates this Pi released the task's keys to ({@code DIR/<task>.agents}, PEM): the result is checked against
 * them when it is opened ({@code leo task result}), so a result signed by any other agent is refused.
 *
 * <p>What is durable: the stored results and agent files. What is not: the attempts; after a restart the ledger is
 * read again from the start and every ended own task without a stored result is fetched again on the schedule.
 */
public final class OwnResults implements TaskWatch.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(OwnResults.class);
    /** Where a Pi keeps the results of its own tasks, under its data directory. */
    public static final String DIR = "results-received";
    /** Own tasks followed at once: far more than a Pi's open tasks; the eldest is dropped past it. */
    static final int MAX_FOLLOWED = 4096;
    /** Agent certificates kept per task: a task's keys go to one agent; a few more are retries after a restart. */
    static final int MAX_AGENTS = 8;

    /**
     * @param maxAttempts    fetches of one result before it is left to {@code leo task result}
     * @param firstRetry     the wait after the first failed fetch, doubled after each, up to {@code maxRetry}
     * @param maxRetry       the longest wait between two fetches
     * @param rpcDeadline    each fetch
     * @param maxResultBytes the largest result fetched
     */
    public record Config(int maxAttempts, Duration firstRetry, Duration maxRetry, Duration rpcDeadline, long maxResultBytes) {
        public Config {
            if (maxAttempts < 1 || firstRetry.isNegative() || firstRetry.isZero() || maxRetry.compareTo(firstRetry) < 0
                    || rpcDeadline.isNegative() || rpcDeadline.isZero() || maxResultBytes < 1) {
                throw new IllegalArgumentException("results: at least one attempt, a positive first retry not over the longest, a positive "
                        + "deadline and cap");
            }
        }

        /** 8 fetches over about 10 minutes (5 s, 10 s, ... 5 min apart), 30 s each, 32 MiB at most (the executor's cap). */
        public static Config defaults() {
            return new Config(8, Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofSeconds(30),
                    TaskExecutions.Config.defaults().maxResultBytes());
        }

        public Config withRetries(int attempts, Duration first, Duration max) {
            return new Config(attempts, first, max, rpcDeadline, maxResultBytes);
        }

        /** The wait after failed attempt {@code n} (1-based). */
        Duration retryAfter(int n) {
            Duration d = firstRetry.multipliedBy(1L << Math.min(n - 1, 20));
            return d.compareTo(maxRetry) > 0 ? maxRetry : d;
        }
    }

    /** An own task followed: its executor once its group is read; due once ended. */
    private static final class Own {
        byte[] executor;
        boolean ended;
        boolean fetching;
        int attempts;
        Instant next = Instant.MIN;
    }

    private final byte[] me;
    private final Predicate<ContentAddress> mine;
    private final Supplier<PeerList> peers;
    private final Function<PeerList.Peer, FleetClient> clients;
    private final ResultStore store;
    private final Path dir;
    private final Config config;
    private final Clock clock;
    private final ExecutorService work;
    private final Map<Long, Own> own = new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Own> eldest) {
            return size() > MAX_FOLLOWED;
        }
    };

    OwnResults(byte[] me, Supplier<PeerList> peers, Function<PeerList.Peer, FleetClient> clients, Path dir, Config config, Clock clock,
               ExecutorService work) throws IOException {
        this(me, a -> false, peers, clients, dir, config, clock, work);
    }

    /** {@code mine}: whether a capsule is this Pi's member's (it holds its key): a task with such data capsules is followed too. */
    OwnResults(byte[] me, Predicate<ContentAddress> mine, Supplier<PeerList> peers, Function<PeerList.Peer, FleetClient> clients, Path dir,
               Config config, Clock clock, ExecutorService work) throws IOException {
        this.me = me.clone();
        this.mine = mine;
        this.peers = peers;
        this.clients = clients;
        this.dir = dir;
        this.store = new ResultStore(dir, config.maxResultBytes());
        this.config = config;
        this.clock = clock;
        this.work = work;
    }

    /** The stored results. */
    public ResultStore store() {
        return store;
    }

    /** A task entry read: followed if it is this Pi's, or names a data capsule of this Pi's (its result is sealed to this Pi too). */
    @Override
    public synchronized void task(LedgerEntry task, boolean atStart) {
        LedgerRecord.TaskSubmitted t = (LedgerRecord.TaskSubmitted) task.record();
        if (Arrays.equals(t.owner(), me) || t.dataCapsules().stream().anyMatch(a -> mine.test(ContentAddress.ofDigest(a)))) {
            own.put(task.seq(), new Own());
        }
    }

    /** A group entry read: the executor of an own task. */
    @Override
    public synchronized void group(LedgerEntry group, boolean atStart) {
        LedgerRecord.GroupElected g = (LedgerRecord.GroupElected) group.record();
        Own o = own.get(g.taskSeq());
        if (o != null && o.executor == null) {
            o.executor = g.executor().clone();
        }
    }

    /** Any other entry read: a TRUSTED clean-up certificate or a settlement makes an own task's result due; an expiry ends it. */
    @Override
    public synchronized void ended(LedgerEntry e, boolean atStart) {
        long taskSeq;
        if (e.record() instanceof LedgerRecord.TaskSettled s) {
            taskSeq = s.taskSeq();
        } else if (e.record() instanceof LedgerRecord.CertificateRecorded c && c.certificate().outcome() == Verdict.Outcome.TRUSTED) {
            Optional<TaskRound> r = TaskRound.of(c.certificate().round().round());
            if (r.isEmpty() || r.get().phase() != TaskRound.Phase.CLEANUP) {
                return;
            }
            taskSeq = r.get().taskSeq();
        } else {
            if (e.record() instanceof LedgerRecord.TaskExpired x) {
                own.remove(x.taskSeq());
            }
            return;
        }
        Own o = own.get(taskSeq);
        if (o != null && o.executor != null) {
            o.ended = true;
        }
    }

    /** Starts the fetches that are due (one at a time per task); drops the tasks whose result is stored. */
    void tick() {
        Instant now = clock.instant();
        List<Map.Entry<Long, Own>> due = new ArrayList<>();
        synchronized (this) {
            own.entrySet().removeIf(e -> e.getValue().ended && Files.isRegularFile(store.path(e.getKey())));
            for (Map.Entry<Long, Own> e : own.entrySet()) {
                Own o = e.getValue();
                if (o.ended && !o.fetching && !now.isBefore(o.next)) {
                    o.fetching = true;
                    due.add(e);
                }
            }
        }
        for (Map.Entry<Long, Own> e : due) {
            work.execute(() -> attempt(e.getKey(), e.getValue()));
        }
    }

    private void attempt(long taskSeq, Own o) {
        String executor = HexFormat.of().formatHex(o.executor);
        String why;
        boolean last;
        try {
            PeerList.Peer p = peers.get().member(o.executor)
                    .orElseThrow(() -> new IllegalStateException("executor " + executor + " is not in the peer list"));
            byte[] b = fetch(clients.apply(p), taskSeq, config.rpcDeadline(), config.maxResultBytes());
            store.put(taskSeq, b);
            LOG.info("task #{}: result of {} bytes fetched from executor Pi {}", taskSeq, b.length, executor);
            synchronized (this) {
                own.remove(taskSeq);
            }
            return;
        } catch (StatusRuntimeException e) {
            why = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
            last = e.getStatus().getCode() == Status.Code.PERMISSION_DENIED; // the executor says it is not this Pi's task: final
        } catch (IOException | RuntimeException e) {
            why = e.getMessage();
            last = false;
        }
        synchronized (this) {
            o.attempts++;
            o.fetching = false;
            if (last || o.attempts >= config.maxAttempts()) {
                own.remove(taskSeq);
                LOG.warn("task #{}: result not fetched from executor Pi {} after {} attempt(s): {}; 'leo task result' fetches it by hand",
                        taskSeq, executor, o.attempts, why);
                return;
            }
            Duration wait = config.retryAfter(o.attempts);
            o.next = clock.instant().plus(wait);
            LOG.info("task #{}: result not fetched from executor Pi {} (attempt {} of {}, again in {} ms): {}", taskSeq, executor, o.attempts,
                    config.maxAttempts(), wait.toMillis(), why);
        }
    }

    /**
     * The sealed result of task {@code taskSeq} from the executor's Pi behind {@code client} (FetchResult), refused past
     * {@code maxBytes} as the chunks come; a StatusRuntimeException with the executor's refusal (PERMISSION_DENIED: not
     * this member's task; NOT_FOUND: no result there).
     */
    public static byte[] fetch(FleetClient client, long taskSeq, Duration deadline, long maxBytes) throws IOException {
        return Chunks.receive(client.fetchResult(FetchResultRequest.newBuilder().setTaskSeq(taskSeq).build(), deadline), maxBytes);
    }

    /** The agent certificates file of task {@code taskSeq} in {@code dir}. */
    public static Path agentsFile(Path dir, long taskSeq) {
        return dir.resolve(Long.toUnsignedString(taskSeq) + ".agents");
    }

    /** This Pi released a key of task {@code taskSeq} to {@code agent}: kept for the result's check if it is an own task. */
    synchronized void released(long taskSeq, X509Certificate agent) {
        if (!own.containsKey(taskSeq)) {
            return; // a code capsule's key for someone else's task: its result is not this Pi's (a data capsule's task is followed)
        }
        try {
            List<X509Certificate> known = agents(dir, taskSeq);
            if (known.contains(agent) || known.size() >= MAX_AGENTS) {
                return;
            }
            List<X509Certificate> all = new ArrayList<>(known);
            all.add(agent);
            StringBuilder pem = new StringBuilder();
            for (X509Certificate c : all) {
                pem.append(pem(c));
            }
            Path f = agentsFile(dir, taskSeq);
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            Files.move(tmp, f, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | CertificateEncodingException e) {
            LOG.warn("task #{}: the agent certificate its keys went to is not kept ({}): its result cannot be checked against it", taskSeq,
                    e.getMessage());
        }
    }

    /** The agent certificates this Pi released task {@code taskSeq}'s keys to, as kept in {@code dir}; none if it released none. */
    public static List<X509Certificate> agents(Path dir, long taskSeq) throws IOException {
        Path f = agentsFile(dir, taskSeq);
        if (!Files.isRegularFile(f)) {
            return List.of();
        }
        try (var in = Files.newInputStream(f)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (CertificateException e) {
            throw new IOException(f + ": " + e.getMessage(), e);
        }
    }

    private static String pem(X509Certificate c) throws CertificateEncodingException {
        return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
                + "\n-----END CERTIFICATE-----\n";
    }

    /** Whether task {@code taskSeq} is followed now: an own task whose result is not stored, not given up (tests). */
    synchronized boolean follows(long taskSeq) {
        return own.containsKey(taskSeq);
    }
}
