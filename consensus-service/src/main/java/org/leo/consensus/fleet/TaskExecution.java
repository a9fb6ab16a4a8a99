package org.leo.consensus.fleet;

import java.io.IOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.task.HpcOutcome;
import org.leo.consensus.task.TaskOrder;
import org.leo.consensus.task.TaskRound;
import org.leo.consensus.task.TaskTimeline;
import org.leo.protocol.capsule.ContentAddress;
import org.leo.protocol.consensus.v1.RelayAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task on its executor's Pi, from its GroupElected to its clean-up certificate (docs/tasks.md "The executor's
 * coordinator (built)"): an idle HPC of this Pi; the ATTEST round, attempts up to {@code maxAttempts}; the keys of every
 * capsule from its owner's Pi; capsules and image; the run on the HPC ({@link org.leo.consensus.task.HpcTasks}); the
 * result kept for the owner; the power-cycle and the fresh baseline on the ledger; the CLEANUP round; the settler.
 * Each stage is journaled before it begins ({@link TaskJournal}); a task found at or past {@link Stage#KEY_RELEASE}
 * after a restart is power-cycled first and goes on to CLEANUP: it never runs again with keys released before.
 */
final class TaskExecution implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskExecution.class);

    /** A task's stage on the executor's Pi, in order. */
    enum Stage {
        ELECTED, ATTEST, KEY_RELEASE, LOAD, RUN, POWER_CYCLE, CLEANUP, SETTLED, CLEANED_UP, GAVE_UP;

        /** SETTLED: clean-up certificate and the settler called; CLEANED_UP: clean-up certificate, no result (not settled). */
        boolean finished() {
            return this == SETTLED || this == CLEANED_UP || this == GAVE_UP;
        }

        /** At or past the key release: keys may be out, so the HPC is power-cycled before anything else. */
        boolean keysOut() {
            return compareTo(KEY_RELEASE) >= 0 && !finished();
        }
    }

    private final TaskExecutions ctx;
    private final LedgerEntry group;
    private final long taskSeq;
    private final TaskTimeline timeline;
    private TaskJournal.Row row;

    TaskExecution(TaskExecutions ctx, LedgerEntry group, TaskJournal.Row row, Instant start) {
        this.ctx = ctx;
        this.group = group;
        this.taskSeq = row.taskSeq();
        this.row = row;
        this.timeline = new TaskTimeline(taskSeq, start);
    }

    long taskSeq() {
        return taskSeq;
    }

    TaskTimeline timeline() {
        return timeline;
    }

    Stage stage() {
        return row.stage();
    }

    private void journal(TaskJournal.Row r) {
        row = r;
        ctx.journal().write(r);
    }

    private void mark(String stage) {
        timeline.mark(stage, ctx.clock().instant());
    }

    @Override
    public void run() {
        try {
            if (row.stage().finished()) {
                return;
            }
            if (row.stage().keysOut()) {
                ctx.take(MacAddress.parse(row.hpc()), taskSeq);
                LOG.warn("task #{}: found at stage {} after a restart: HPC {} is power-cycled and cleaned up, never run again with the keys"
                        + " released before", taskSeq, row.stage(), row.hpc());
            } else {
                Optional<QuorumCertificate> attest = attest();
                if (attest.isEmpty()) {
                    return;
                }
                runOnHpc(attest.get());
            }
            cleanUp();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("task #{}: interrupted at stage {} (journaled; resumed at the next start)", taskSeq, row.stage());
        } catch (RuntimeException e) {
            LOG.error("task #{}: failed at stage {}: {}", taskSeq, row.stage(), e.toString(), e);
        } finally {
            if (row.stage().finished()) {
                ctx.free(taskSeq);
            }
            LOG.info("{} (stage {})", timeline, row.stage());
        }
    }

    /** An idle HPC of this Pi, and a TRUSTED ATTEST certificate of it; empty if none within the attempts (given up). */
    private Optional<QuorumCertificate> attest() throws InterruptedException {
        MacAddress hpc = row.hpc().isEmpty() ? chooseHpc().orElse(null) : MacAddress.parse(row.hpc());
        if (hpc != null && !ctx.take(hpc, taskSeq)) {
            hpc = null; // a resumed task whose HPC another task took meanwhile: it is given up rather than share the HPC
        }
        if (hpc == null) {
            giveUp("no HPC of this Pi is ready");
            return Optional.empty();
        }
        for (int attempt = row.attestAttempt(); attempt < ctx.config().maxAttempts(); attempt++) {
            journal(new TaskJournal.Row(taskSeq, group.seq(), hpc.toString(), Stage.ATTEST, attempt + 1, row.cleanupAttempt(), 0, 0));
            Optional<LedgerEntry> cert = round(new TaskRound(taskSeq, TaskRound.Phase.ATTEST, attempt), hpc);
            if (cert.isPresent() && certificate(cert.get()).outcome() == Verdict.Outcome.TRUSTED) {
                row = new TaskJournal.Row(taskSeq, group.seq(), hpc.toString(), Stage.ATTEST, attempt + 1, row.cleanupAttempt(), cert.get().seq(), 0);
                mark("attest");
                return Optional.of(certificate(cert.get()));
            }
        }
        giveUp("no TRUSTED ATTEST certificate in " + ctx.config().maxAttempts() + " attempt(s); the task is left for expiry");
        return Optional.empty();
    }

    private void giveUp(String why) {
        LOG.warn("task #{}: given up: {}", taskSeq, why);
        journal(row.with(Stage.GAVE_UP));
    }

    private Optional<MacAddress> chooseHpc() throws InterruptedException {
        List<MacAddress> mine = ctx.node().peers().member(ctx.node().keys().member()).map(PeerList.Peer::hpcs).orElse(List.of());
        return poll(() -> mine.stream().filter(h -> ctx.hpcs().ready(h) && ctx.take(h, taskSeq)).findFirst(), ctx.config().certificateWait());
    }

    /** Opens {@code round} of {@code hpc} and awaits its certificate on the ledger (bounded); empty if none came. */
    private Optional<LedgerEntry> round(TaskRound round, MacAddress hpc) throws InterruptedException {
        RoundId id;
        try {
            id = ctx.node().openTaskRound(round, hpc).round();
        } catch (IllegalStateException e) {
            LOG.warn("task #{}: {} did not open: {}", taskSeq, round, e.getMessage());
            return Optional.empty();
        }
        Optional<LedgerEntry> cert = poll(() -> {
            if (ctx.node().allVotesIn(id)) { // every monitor has signed: nothing can change the round, so it closes now
                try {
                    ctx.node().closeRound(id);
                } catch (IllegalStateException e) {
                    LOG.warn("task #{}: {} did not close yet: {}", taskSeq, round, e.getMessage());
                }
            }
            return find(group.seq() + 1, e -> e.record() instanceof LedgerRecord.CertificateRecorded c && c.certificate().round().equals(id));
        }, ctx.config().certificateWait());
        if (cert.isEmpty()) {
            LOG.warn("task #{}: {} of HPC {}: no certificate on the ledger within {} s", taskSeq, round, hpc, ctx.config().certificateWait().toSeconds());
            return cert;
        }
        QuorumCertificate c = certificate(cert.get());
        LOG.info("task #{}: {} round certified {} by {} monitor(s) ({} vote(s)) at entry #{}", taskSeq, round.phase(), c.outcome(),
                c.verdicts().size(), c.votes(), cert.get().seq());
        return cert;
    }

    /** Key release, capsules, image, the run, the result kept. Any failure: logged, and the HPC is cleaned up all the same. */
    private void runOnHpc(QuorumCertificate attest) throws InterruptedException {
        MacAddress hpc = MacAddress.parse(row.hpc());
        journal(row.with(Stage.KEY_RELEASE)); // before any key is asked for: from here on the HPC is power-cycled before anything else
        try {
            LedgerRecord.TaskSubmitted task = (LedgerRecord.TaskSubmitted) ctx.node().ledger().ledger().entries(taskSeq, 1).get(0).record();
            LedgerRecord.ServicePublished service = (LedgerRecord.ServicePublished) ctx.node().ledger().ledger().entries(task.serviceSeq(), 1).get(0)
                    .record();
            RelayAnswer judged = ctx.relayed().judged(attest).orElseThrow(() -> new IllegalStateException(
                    "this Pi relayed no evidence that a monitor judged TRUSTED in " + attest.round()));
            KeyReleaseClient.Entries entries = KeyReleaseClient.find(ctx.node().ledger().ledger(), taskSeq)
                    .orElseThrow(() -> new IllegalStateException("the task's latest certificate is not its ATTEST certificate"));
            List<byte[]> chain = judged.getAgentCertificateChainDerList().stream().map(b -> b.toByteArray()).toList();
            byte[] agentSha = sha256(chain.get(0));
            List<Owned> owned = new ArrayList<>();
            for (byte[] a : task.dataCapsules()) {
                ContentAddress address = ContentAddress.ofDigest(a);
                owned.add(new Owned(address, dataOwner(address), true));
            }
            owned.add(new Owned(ContentAddress.ofDigest(service.codeCapsuleSha256()), service.author(), false));
            byte[] capsuleList = ResultKey.capsuleList(task, service); // what each owner signs its result key for, and the agent checks
            List<Released> keys = new ArrayList<>();
            java.util.Map<String, TaskOrder.ResultRecipient> recipients = new java.util.LinkedHashMap<>(); // per data owner, in capsule order
            for (Owned o : owned) {
                String ownerHex = HexFormat.of().formatHex(o.owner());
                PeerList.Peer pi = ctx.node().peers().member(o.owner()).orElseThrow(() -> new IllegalStateException(
                        "the owner " + ownerHex + " of capsule " + o.address().hex() + " is not in the peer list"));
                KeyReleaseClient.Released r = KeyReleaseClient.ask(ctx.node().client(pi), KeyReleaseClient.request(taskSeq, o.address(), entries,
                        judged.getEvidence(), chain, judged.getCaCertificateDer().toByteArray()), o.owner(), capsuleList, ctx.config().rpcDeadline());
                keys.add(new Released(o.address(), r.sealedKey()));
                if (o.data() && !recipients.containsKey(ownerHex)) {
                    recipients.put(ownerHex, r.recipient().orElseThrow(() -> new IllegalStateException("the Pi of " + ownerHex
                            + ", owner of data capsule " + o.address().hex() + ", sent no result key signed by its member for the task")));
                }
                LOG.info("task #{}: key of capsule {} released by Pi {}", taskSeq, o.address().hex(), pi.memberHex());
            }
            TaskOrder.ResultRecipient recipient = recipients.remove(HexFormat.of().formatHex(task.owner()));
            if (recipient == null) {
                throw new IllegalStateException("the task owner owns no data capsule of the task: no result key signed by it came with the keys");
            }
            List<TaskOrder.ResultRecipient> more = List.copyOf(recipients.values()); // the other data owners, each sealed its own copy
            mark("key release");

            journal(row.with(Stage.LOAD));
            List<TaskOrder.Capsule> capsules = new ArrayList<>();
            for (Released k : keys) {
                byte[] file = ctx.capsules().get(k.address()).orElseThrow(() -> new IllegalStateException("capsule " + k.address().hex()
                        + " is on no Pi of the peer list"));
                capsules.add(new TaskOrder.Capsule(k.address(), file, k.sealedKey(), agentSha));
            }
            byte[] imageId = service.imageSha256();
            Path archive = ctx.image(imageId).orElseThrow(() -> new IllegalStateException("image " + HexFormat.of().formatHex(imageId)
                    + " is on no Pi of the peer list"));
            mark("load");

            journal(row.with(Stage.RUN));
            TaskOrder order = new TaskOrder(taskSeq, imageId, archive, capsules, List.of(), ctx.config().limits(), ctx.config().timeout(), recipient,
                    more);
            HpcOutcome out;
            try {
                out = ctx.hpcs().run(hpc, order).get(ctx.config().timeout().plus(ctx.config().certificateWait()).toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                ctx.images().discard(imageId);
                throw new IllegalStateException("the HPC did not run the task: " + e.getMessage(), e);
            }
            ctx.images().keep(imageId);
            if (out.resultCapsule().isPresent()) {
                for (TaskOrder.ResultRecipient r : more) { // each other data owner's copy first: the owner's marks the result kept
                    String member = HexFormat.of().formatHex(r.ownerMemberKey());
                    byte[] copy = out.moreResults().get(member);
                    if (copy == null) {
                        throw new IllegalStateException("the HPC sealed no result for data owner " + member);
                    }
                    ctx.results().put(taskSeq, member, copy);
                }
                ctx.results().put(taskSeq, out.resultCapsule().get());
            }
            LOG.info("task #{}: ran on HPC {}: exit {}{}, result {}, clean report {}; on the HPC: {}", taskSeq, hpc, out.exitCode(),
                    out.timedOut() ? " (timed out)" : "",
                    out.resultCapsule().map(b -> b.length + " bytes, SHA-256 " + HexFormat.of().formatHex(sha256(b))).orElse("none"),
                    out.cleanProblems().isEmpty() ? "clean" : out.cleanProblems(),
                    out.timings().stream().map(t -> t.stage() + " " + t.took().toMillis() + " ms").collect(java.util.stream.Collectors.joining(", ")));
            mark("run");
        } catch (IOException | RuntimeException e) {
            LOG.warn("task #{}: stopped at stage {}: {}; HPC {} is power-cycled and cleaned up", taskSeq, row.stage(), e.getMessage(), hpc);
        }
    }

    /** A capsule, its owner and whether it is a data capsule (whose owner gets the result) or the service's code. */
    private record Owned(ContentAddress address, byte[] owner, boolean data) {
    }

    /**
     * The owner of a data capsule: its header's, signed (the capsule store checks the signature of a capsule from a peer
     * and its address is the task's). A task may name capsules of other members, which they offered for the service.
     */
    private byte[] dataOwner(ContentAddress address) throws IOException {
        byte[] file = ctx.capsules().get(address).orElseThrow(() -> new IllegalStateException("capsule " + address.hex()
                + " is on no Pi of the peer list"));
        try {
            return org.leo.protocol.capsule.CapsuleFile.parse(file, org.leo.protocol.capsule.CapsuleLimits.DEFAULT).header().owner();
        } catch (org.leo.protocol.capsule.CapsuleException e) {
            throw new IllegalStateException("capsule " + address.hex() + " is no capsule: " + e.getMessage());
        }
    }

    private record Released(ContentAddress address, byte[] sealedKey) {
    }

    /** Power-cycle, fresh baseline, CLEANUP round; on UNTRUSTED the next attempt after another power-cycle; then the settler. */
    private void cleanUp() throws InterruptedException {
        MacAddress hpc = MacAddress.parse(row.hpc());
        for (int attempt = row.cleanupAttempt(); attempt < ctx.config().maxAttempts(); attempt++) {
            journal(row.with(Stage.POWER_CYCLE));
            long before = ctx.node().ledger().ledger().head().map(LedgerEntry::seq).orElse(0L);
            ctx.hpcs().powerCycle(hpc);
            Optional<LedgerEntry> baseline = poll(() -> find(before + 1, e -> e.record() instanceof LedgerRecord.ReferenceValues r
                    && r.hpc().equals(hpc)), ctx.config().baselineWait());
            if (baseline.isEmpty()) {
                LOG.warn("task #{}: HPC {} published no new baseline within {} s of its power-cycle", taskSeq, hpc, ctx.config().baselineWait().toSeconds());
                continue;
            }
            mark("power-cycle");
            LOG.info("task #{}: HPC {} power-cycled, its fresh baseline is entry #{}", taskSeq, hpc, baseline.get().seq());
            journal(new TaskJournal.Row(taskSeq, group.seq(), row.hpc(), Stage.CLEANUP, row.attestAttempt(), attempt + 1, row.attestSeq(), 0));
            Optional<LedgerEntry> cert = round(new TaskRound(taskSeq, TaskRound.Phase.CLEANUP, attempt), hpc);
            if (cert.isPresent() && certificate(cert.get()).outcome() == Verdict.Outcome.TRUSTED) {
                mark("clean-up");
                journal(new TaskJournal.Row(taskSeq, group.seq(), row.hpc(), Stage.CLEANUP, row.attestAttempt(), attempt + 1, row.attestSeq(),
                        cert.get().seq()));
                settle(cert.get());
                return;
            }
        }
        giveUp("no TRUSTED clean-up certificate in " + ctx.config().maxAttempts() + " attempt(s)");
    }

    private void settle(LedgerEntry cleanup) {
        boolean result;
        try {
            result = ctx.results().get(taskSeq).isPresent();
        } catch (IOException e) {
            result = false;
        }
        if (result && row.attestSeq() > 0) {
            ctx.settler().settle(taskSeq, group.seq(), row.attestSeq(), cleanup.seq());
            LOG.info("task #{}: settled with the ATTEST certificate #{} and the clean-up certificate #{}", taskSeq, row.attestSeq(), cleanup.seq());
            mark("settled");
            journal(row.with(Stage.SETTLED));
        } else {
            LOG.warn("task #{}: cleaned up (certificate #{}) without a result: not settled", taskSeq, cleanup.seq());
            journal(row.with(Stage.CLEANED_UP));
        }
    }

    private static QuorumCertificate certificate(LedgerEntry e) {
        return ((LedgerRecord.CertificateRecorded) e.record()).certificate();
    }

    /** The first entry from {@code from} on that passes {@code p}. */
    private Optional<LedgerEntry> find(long from, Predicate<LedgerEntry> p) {
        for (long at = from; ; ) {
            List<LedgerEntry> page = ctx.node().ledger().ledger().entries(at, 256);
            for (LedgerEntry e : page) {
                if (p.test(e)) {
                    return Optional.of(e);
                }
            }
            if (page.size() < 256) {
                return Optional.empty();
            }
            at = page.get(page.size() - 1).seq() + 1;
        }
    }

    /** Asks {@code what} every poll period until it has an answer or {@code bound} has passed. */
    private <T> Optional<T> poll(java.util.function.Supplier<Optional<T>> what, Duration bound) throws InterruptedException {
        long end = System.nanoTime() + bound.toNanos();
        for (; ; ) {
            Optional<T> t = what.get();
            if (t.isPresent() || System.nanoTime() > end) {
                return t;
            }
            Thread.sleep(ctx.config().poll().toMillis());
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
