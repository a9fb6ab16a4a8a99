package org.leo.consensus.fleet;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.RoundId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When rounds run, agreed by every Pi without talking: round {@code k} of every HPC starts at
 * {@code k * period} on the fleet's clock (epoch milliseconds; NTP-synchronised Pis agree to well
 * under a second) and is drawn from the ledger head each Pi reads at that instant. A Pi closes its
 * HPCs' rounds {@code spread + roundDeadline + verdictGrace} after they open, which the period must
 * exceed (checked by {@link FleetConfig}): the ledger moves only in that first part of the period and
 * is still for the rest, so at the next start every Pi reads the same head, and with it draws the
 * same round. A Pi whose head differs (a late block, a join) draws a different round, whose verdicts
 * the HPC's Pi does not count: the round then has fewer votes, never a forged certificate, and the
 * next period re-runs it with a new committee.
 *
 * <p>At each start this Pi takes part in round {@code k} of every HPC the peer list names under
 * another Pi; its own draw decides whether it is selected ({@link ConsensusNode#takePart}). A
 * selected verifier challenges after its own random delay in {@code [0, spread)}: the round number is
 * public, the moment each verifier's nonce reaches the HPC is not.
 */
public final class RoundSchedule implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoundSchedule.class);

    private final ConsensusNode node;
    private final FleetConfig config;
    private final Clock clock;
    private final Runnable beforeEachRound;
    private final Consumer<Participation> onParticipation;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "consensus-schedule");
        t.setDaemon(true);
        return t;
    });
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    /**
     * @param beforeEachRound runs at each start before the draws (re-reading the peer list, joining the fleet)
     * @param onParticipation every completed participation, selected or not (a dashboard, a test)
     */
    public RoundSchedule(ConsensusNode node, FleetConfig config, Clock clock, Runnable beforeEachRound, Consumer<Participation> onParticipation) {
        this.node = node;
        this.config = config;
        this.clock = clock;
        this.beforeEachRound = beforeEachRound;
        this.onParticipation = onParticipation;
    }

    /** The round that starts at or after {@code epochMillis}. */
    public static long roundAtOrAfter(long epochMillis, Duration period) {
        long p = period.toMillis();
        return Math.floorDiv(epochMillis + p - 1, p);
    }

    /** Starts the timer: the first round is the next one to start. */
    public RoundSchedule start() {
        scheduleNext();
        return this;
    }

    private void scheduleNext() {
        if (closed) {
            return;
        }
        long now = clock.millis();
        long k = roundAtOrAfter(now + 1, config.roundPeriod());
        long delay = k * config.roundPeriod().toMillis() - now;
        timer.schedule(() -> tick(k), delay, TimeUnit.MILLISECONDS);
    }

    private void tick(long k) {
        try {
            beforeEachRound.run();
            runRound(k);
        } catch (RuntimeException e) {
            LOG.warn("consensus: round {} not run on this Pi: {}", k, e.toString());
        } finally {
            scheduleNext();
        }
    }

    /** This Pi's part in round {@code k} of every HPC another Pi serves, drawn from the ledger head as it is now. */
    public List<CompletableFuture<Participation>> runRound(long k) {
        byte[] head = node.ledger().ledger().headHash();
        node.roundStarted(k, head);
        List<CompletableFuture<Participation>> all = new ArrayList<>();
        for (PeerList.Peer p : node.peers().all()) {
            if (p.memberHex().equals(node.keys().memberHex())) {
                continue; // a Pi never judges its own HPCs
            }
            for (MacAddress hpc : p.hpcs()) {
                RoundId id = new RoundId(head, hpc, k);
                long delay = config.challengeSpread().isZero() ? 0 : (long) (random.nextDouble() * config.challengeSpread().toMillis());
                CompletableFuture<Participation> f = new CompletableFuture<>();
                timer.schedule(() -> node.takePart(id).whenComplete((r, e) -> {
                    if (e != null) {
                        LOG.warn("consensus: round {} of HPC {} (head {}): this Pi's part failed: {}", k, hpc, shortHex(head), e.toString());
                        f.completeExceptionally(e);
                    } else {
                        log(k, hpc, head, r);
                        onParticipation.accept(r);
                        f.complete(r);
                    }
                }), delay, TimeUnit.MILLISECONDS);
                all.add(f);
            }
        }
        return all;
    }

    private static void log(long k, MacAddress hpc, byte[] head, Participation r) {
        if (!r.selected()) {
            LOG.debug("consensus: round {} of HPC {} (head {}): not selected", k, hpc, shortHex(head));
            return;
        }
        String verdict = r.verdict().map(v -> v.outcome().name()).orElse("no verdict");
        String why = r.appraisal().map(AnswerCheck.Appraisal::summary).orElse("");
        String answer = r.answer().map(a -> a.getCounted() ? "counted"
                : "not counted (" + a.getRefused().getReason() + ": " + a.getRefused().getMessage() + ")").orElse("not offered");
        String cert = r.answer().filter(a -> a.hasCertificate()).map(a -> "; certificate " + a.getCertificate().getOutcome()
                + (a.getCertificate().getRecorded() ? " recorded as ledger entry #" + a.getCertificate().getLedgerSeq() : " not yet recorded"))
                .orElse("");
        LOG.info("consensus: round {} of HPC {} (head {}): selected with {} vote(s), signed {} ({}); {}{}", k, hpc, shortHex(head), r.votes(),
                verdict, why, answer, cert);
    }

    private static String shortHex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, 8);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }
}
