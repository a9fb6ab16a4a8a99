package org.leo.consensus.fleet;

import org.leo.consensus.ledger.LedgerRules;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.leo.consensus.ledger.LedgerEntry;
import org.leo.consensus.ledger.LedgerRecord;
import org.leo.consensus.task.TaskElection;
import org.leo.protocol.consensus.v1.TaskClaimRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The task owner's Pi's side of a task's election (docs/tasks.md "Key release", steps 1-2): for each of its own tasks
 * a claim window opens when it sees the task's entry appear and lasts {@code window}; each claim is checked as
 * {@link TaskElection} checks it (a member at the task's entry, its VRF proof over the task's alpha giving exactly its
 * votes, at least one) and counted once per member; at the window's end ({@link #closeDue}) the accepted claims are
 * appended as GroupElected, in ascending order of member key.
 *
 * <p>Never twice: the ledgers (and the contract) refuse a second GroupElected for a task, and a GroupElected on the
 * ledger closes the task's window here ({@link #groupAppeared}). Claims are held in memory only: after a restart, the
 * window of a task without a group opens again for the full window; a member re-sends its claim at every poll until the
 * task's group is on the ledger or its window has passed ({@code TaskService}), and the same claim again is accepted
 * (counted once), so a claim counted before a restart reaches the restarted Pi again.
 */
final class TaskClaims {
    private static final Logger LOG = LoggerFactory.getLogger(TaskClaims.class);
    /** Windows open at once: one per task of this Pi's; more are refused until some close. */
    static final int MAX_OPEN_WINDOWS = 256;

    /** A refusal: reason and sentence. */
    record Refused(String reason, String message) {
    }

    private static final class Window {
        final LedgerEntry task;
        final Instant closes;
        final FleetLedger.Snapshot at;
        final Map<String, LedgerRecord.GroupClaim> claims = new TreeMap<>();

        Window(LedgerEntry task, Instant closes, FleetLedger.Snapshot at) {
            this.task = task;
            this.closes = closes;
            this.at = at;
        }
    }

    private final byte[] self;
    private final FleetLedger ledger;
    private final Duration window;
    private final Clock clock;
    private final Map<Long, Window> open = new LinkedHashMap<>();

    TaskClaims(byte[] self, FleetLedger ledger, Duration window, Clock clock) {
        this.self = self.clone();
        this.ledger = ledger;
        this.window = window;
        this.clock = clock;
    }

    /** A task entry appeared: if it is this Pi's, its window opens now. */
    synchronized void taskAppeared(LedgerEntry e) {
        if (e.record() instanceof LedgerRecord.TaskSubmitted t && Arrays.equals(t.owner(), self)) {
            if (open.size() >= MAX_OPEN_WINDOWS) {
                LOG.warn("tasks: {} claim windows open, the most kept: task #{} gets none", open.size(), e.seq());
                return;
            }
            open.put(e.seq(), new Window(e, clock.instant().plus(window), ledger.at(e.hash()).orElseThrow()));
        }
    }

    /** A task's group is on the ledger: its window closes without appending. */
    synchronized void groupAppeared(long taskSeq) {
        open.remove(taskSeq);
    }

    /** The claims counted for a task whose window is open here, or -1 if none is. */
    synchronized int counted(long taskSeq) {
        Window w = open.get(taskSeq);
        return w == null ? -1 : w.claims.size();
    }

    /** Checks and counts {@code r}, sent by the TLS peer {@code peer}; the refusal, or empty if counted. */
    synchronized Optional<Refused> claim(TaskClaimRequest r, byte[] peer) {
        Optional<String> over = TaskLimits.problem(r);
        if (over.isPresent()) {
            return refused(FleetRefusal.OVERSIZED, "claim: " + over.get());
        }
        HexFormat hex = HexFormat.of();
        if (!Arrays.equals(r.getMemberKey().toByteArray(), peer)) {
            return refused(FleetRefusal.PEER_MISMATCH, "the claim names member " + hex.formatHex(r.getMemberKey().toByteArray())
                    + ", the TLS client is " + hex.formatHex(peer));
        }
        long taskSeq = r.getTaskSeq();
        Window w = open.get(taskSeq);
        if (w == null) {
            List<LedgerEntry> e = taskSeq < 1 ? List.of() : ledger.ledger().entries(taskSeq, 1);
            if (e.isEmpty() || e.get(0).seq() != taskSeq || !(e.get(0).record() instanceof LedgerRecord.TaskSubmitted t)) {
                return refused(TaskRefusal.UNKNOWN_TASK, "entry #" + taskSeq + " is not a task on this Pi's ledger");
            }
            if (!Arrays.equals(t.owner(), self)) {
                return refused(TaskRefusal.NOT_TASK_OWNER, "task #" + taskSeq + " is member " + hex.formatHex(t.owner()) + "'s, not this Pi's");
            }
            return refused(TaskRefusal.WINDOW_CLOSED, "the claim window of task #" + taskSeq + " is closed");
        }
        if (clock.instant().isAfter(w.closes)) {
            return refused(TaskRefusal.WINDOW_CLOSED, "the claim window of task #" + taskSeq + " closed at " + w.closes);
        }
        String id = hex.formatHex(peer);
        if (r.getVotes() < 1) {
            return refused(TaskRefusal.BAD_CLAIM, "a claim of task #" + taskSeq + " with no votes");
        }
        var m = w.at.member(peer);
        TaskElection.Claim c = new TaskElection.Claim(peer, m.map(s -> s.vrfKey()).orElse(new byte[32]), m.map(s -> s.credit()).orElse(-1L),
                r.getVrfProof().toByteArray(), Integer.toUnsignedLong(r.getVotes()));
        TaskElection.Group g = TaskElection.elect(w.task, w.at.members(), w.at.totalCredit(), List.of(c));
        if (!g.refused().isEmpty()) {
            return refused(TaskRefusal.BAD_CLAIM, "task #" + taskSeq + ": " + g.refused().get(0));
        }
        LedgerRecord.GroupClaim before = w.claims.get(id);
        if (before != null) {
            // a member re-sends its claim each poll until the group is on the ledger: the same claim again is accepted
            // (idempotent), another one is refused
            return before.votes() == c.votes() && Arrays.equals(before.proof(), c.proof()) ? Optional.empty()
                    : refused(TaskRefusal.REPEATED_CLAIM, "member " + id + " already claimed for task #" + taskSeq + " with another claim");
        }
        w.claims.put(id, new LedgerRecord.GroupClaim(peer, c.votes(), c.proof()));
        return Optional.empty();
    }

    private static Optional<Refused> refused(Enum<?> reason, String message) {
        return Optional.of(new Refused(reason.name(), message));
    }

    /**
     * The group of a closed window: the executor and the monitors {@link TaskElection} elects from its claims (each claim was
     * checked as it came), in ascending order of member key, the executor named; empty (logged) if they elect no executor
     * or no monitor.
     */
    private static Optional<LedgerRecord.GroupElected> group(Window w) {
        HexFormat hex = HexFormat.of();
        List<TaskElection.Claim> claims = new ArrayList<>();
        for (LedgerRecord.GroupClaim c : w.claims.values()) {
            LedgerRules.MemberState m = w.at.member(c.member()).orElseThrow();
            claims.add(new TaskElection.Claim(c.member(), m.vrfKey(), m.credit(), c.proof(), c.votes()));
        }
        TaskElection.Group g = TaskElection.elect(w.task, w.at.members(), w.at.totalCredit(), claims);
        if (!g.canRun()) {
            LOG.warn("tasks: the {} claim(s) of task #{} elect {}: it has no group and cannot run", claims.size(), w.task.seq(),
                    g.executor().isEmpty() ? "no executor with the task's executor credit" : "no monitor with the task's monitor credit");
            return Optional.empty();
        }
        java.util.Set<String> elected = new java.util.HashSet<>();
        elected.add(g.executor().get().memberId());
        g.monitors().forEach(m -> elected.add(m.memberId()));
        List<LedgerRecord.GroupClaim> kept = w.claims.values().stream().filter(c -> elected.contains(hex.formatHex(c.member())))
                .sorted((a, b) -> java.util.Arrays.compareUnsigned(a.member(), b.member())).toList();
        return Optional.of(new LedgerRecord.GroupElected(w.task.seq(), hex.parseHex(g.executor().get().memberId()), kept));
    }

    /** Appends GroupElected for every window that is over and has claims; returns the entries appended. */
    List<LedgerEntry> closeDue() {
        List<Window> due = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            open.values().removeIf(w -> {
                if (now.isAfter(w.closes)) {
                    due.add(w);
                    return true;
                }
                return false;
            });
        }
        List<LedgerEntry> appended = new ArrayList<>();
        for (Window w : due) {
            if (w.claims.isEmpty()) {
                LOG.warn("tasks: no member claimed task #{} in its window: it has no group and cannot run", w.task.seq());
                continue;
            }
            Optional<LedgerRecord.GroupElected> group = group(w);
            if (group.isEmpty()) {
                continue;
            }
            try {
                appended.add(ledger.ledger().append(group.get()));
            } catch (IllegalArgumentException e) {
                LOG.warn("tasks: the group of task #{} was not appended: {}", w.task.seq(), e.getMessage());
            }
        }
        return appended;
    }
}
