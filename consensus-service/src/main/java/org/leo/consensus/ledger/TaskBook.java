package org.leo.consensus.ledger;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict.Outcome;
import org.leo.consensus.task.Settlement;
import org.leo.consensus.task.TaskRound;

/**
 * Tokens, escrow and the life of each task on the ledger (docs/tasks.md "Settlement on the ledgers"): the part of
 * {@link LedgerRules} that moves tokens, which {@code LeoLedger.sol} mirrors rule for rule. Tokens are balances per member
 * key, apart from credit: deposited, escrowed by a task, paid by its settlement or refunded at its expiry, burned, withdrawn.
 * At every entry, deposited = the balances + the escrow + burned + withdrawn ({@link LedgerRules.Tokens#conserved()}).
 */
final class TaskBook {
    /** No EVM account: the embedded ledger's deposits, and a member the contract has not bound. */
    static final byte[] NO_ACCOUNT = new byte[LedgerRecord.ACCOUNT_BYTES];
    /** All deposits together stay below this, so no balance or total overflows (the contract's uint64 as Java's long). */
    static final long MAX_TOKENS = Long.MAX_VALUE;

    private enum State { OPEN, SETTLED, EXPIRED }

    private static final class Task {
        final String owner;
        final long serviceSeq;
        final long payment;
        /** The last entry before which it cannot expire. */
        final long expiresAt;
        State state = State.OPEN;
        String executor;
        /** The group's member keys (hex) in the GroupElected record's order; null before it. */
        List<String> group;
        byte[] groupHash;
        /** The entry of its first TRUSTED clean-up certificate, 0 if none. */
        long cleanUp;
        /** An UNTRUSTED certificate of one of its rounds is recorded: its executor is caught. */
        boolean executorCaught;
        /** Members a credit change took credit from for a verdict against one of its certificates. */
        final Set<String> against = new TreeSet<>();

        Task(String owner, long serviceSeq, long payment, long expiresAt) {
            this.owner = owner;
            this.serviceSeq = serviceSeq;
            this.payment = payment;
            this.expiresAt = expiresAt;
        }

        Task copy() {
            Task t = new Task(owner, serviceSeq, payment, expiresAt);
            t.state = state;
            t.executor = executor;
            t.group = group;
            t.groupHash = groupHash;
            t.cleanUp = cleanUp;
            t.executorCaught = executorCaught;
            t.against.addAll(against);
            return t;
        }
    }

    /** A certificate of a task's round, drawn at the task's group entry. */
    private record TaskCertificate(long taskSeq, TaskRound.Phase phase, Outcome outcome) {
    }

    private record Service(String author, long price, byte[] imageId) {
    }

    private final Map<Long, Service> services = new HashMap<>();
    private final Map<Long, Task> tasks = new HashMap<>();
    private final Map<Long, TaskCertificate> taskCertificates = new HashMap<>();
    private final Map<String, Long> balances = new HashMap<>();
    private final Map<String, byte[]> accounts = new HashMap<>();
    /** The task each HPC may hold: from the task's TRUSTED ATTEST certificate to its TRUSTED CLEANUP certificate or its expiry. */
    private final Map<org.leo.boot.net.MacAddress, LedgerRules.TaskOnHpc> onHpcs = new HashMap<>();
    private long deposited;
    private long escrowed;
    private long burned;
    private long withdrawn;

    TaskBook copy() {
        TaskBook b = new TaskBook();
        b.services.putAll(services);
        tasks.forEach((k, t) -> b.tasks.put(k, t.copy()));
        b.taskCertificates.putAll(taskCertificates);
        b.balances.putAll(balances);
        b.accounts.putAll(accounts);
        b.onHpcs.putAll(onHpcs);
        b.deposited = deposited;
        b.escrowed = escrowed;
        b.burned = burned;
        b.withdrawn = withdrawn;
        return b;
    }

    LedgerRules.Tokens tokens() {
        return new LedgerRules.Tokens(deposited, balances.values().stream().mapToLong(Long::longValue).sum(), escrowed, burned, withdrawn);
    }

    /** The balances that hold tokens. */
    Map<String, Long> balances() {
        Map<String, Long> out = new HashMap<>(balances);
        out.values().removeIf(v -> v == 0);
        return Map.copyOf(out);
    }

    /** The member's withdrawal account, {@link #NO_ACCOUNT} if none. */
    byte[] account(String member) {
        return accounts.getOrDefault(member, NO_ACCOUNT).clone();
    }

    /** Why entry {@code seq} may not hold {@code record}, of the kinds this book decides, or empty. */
    Optional<String> refusal(long seq, LedgerRecord record, Predicate<String> isMember) {
        if (record instanceof LedgerRecord.TokensDeposited d) {
            String m = hex(d.member());
            if (!isMember.test(m)) {
                return Optional.of("a deposit for " + m + ", who is not a member");
            }
            if (d.amount() >= MAX_TOKENS - deposited) {
                return Optional.of("a deposit of " + d.amount() + ": the ledger holds fewer than 2^63 tokens in all, " + deposited + " deposited");
            }
            byte[] bound = accounts.get(m);
            return bound != null && !Arrays.equals(bound, d.account()) ? Optional.of("a deposit naming account 0x" + hex(d.account())
                    + ", member " + m + "'s account is 0x" + hex(bound)) : Optional.empty();
        }
        if (record instanceof LedgerRecord.TokensWithdrawn w) {
            String m = hex(w.member());
            if (!Arrays.equals(account(m), w.account())) {
                return Optional.of("a withdrawal to account 0x" + hex(w.account()) + ", member " + m + "'s account is 0x" + hex(account(m)));
            }
            long has = balances.getOrDefault(m, 0L);
            return has < w.amount() ? Optional.of("a withdrawal of " + w.amount() + " by member " + m + ", whose balance is " + has) : Optional.empty();
        }
        if (record instanceof LedgerRecord.ServicePublished p) {
            return isMember.test(hex(p.author())) ? Optional.empty() : Optional.of("service by " + hex(p.author()) + ", who is not a member");
        }
        if (record instanceof LedgerRecord.TaskSubmitted t) {
            return taskRefusal(t, isMember);
        }
        if (record instanceof LedgerRecord.GroupElected g) {
            return groupRefusal(g, isMember);
        }
        if (record instanceof LedgerRecord.TaskSettled s) {
            return settlementRefusal(s);
        }
        if (record instanceof LedgerRecord.TaskExpired x) {
            return open(x.taskSeq(), "expiry").or(() -> {
                Task t = tasks.get(x.taskSeq());
                if (seq <= t.expiresAt) {
                    return Optional.of("task #" + x.taskSeq() + " expires after entry #" + t.expiresAt + ", not at #" + seq);
                }
                return t.cleanUp != 0 ? Optional.of("task #" + x.taskSeq() + " has its clean-up certificate (#" + t.cleanUp + "): it is settled, not expired")
                        : Optional.empty();
            });
        }
        return Optional.empty();
    }

    private Optional<String> taskRefusal(LedgerRecord.TaskSubmitted t, Predicate<String> isMember) {
        String owner = hex(t.owner());
        if (!isMember.test(owner)) {
            return Optional.of("task by " + owner + ", who is not a member");
        }
        Service s = services.get(t.serviceSeq());
        if (s == null) {
            return Optional.of("task for service #" + t.serviceSeq() + ", which is not a published service");
        }
        String problem = Settlement.paymentProblem(t.payment(), s.price());
        if (problem != null) {
            return Optional.of(problem);
        }
        long has = balances.getOrDefault(owner, 0L);
        return has < t.payment() ? Optional.of("task by " + owner + " paying " + t.payment() + ", whose balance is " + has) : Optional.empty();
    }

    private Optional<String> groupRefusal(LedgerRecord.GroupElected g, Predicate<String> isMember) {
        Task t = tasks.get(g.taskSeq());
        if (t == null) {
            return Optional.of("group of task #" + g.taskSeq() + ", which is not a task");
        }
        if (t.group != null) {
            return Optional.of("task #" + g.taskSeq() + " already has its group");
        }
        if (t.state != State.OPEN) {
            return Optional.of("task #" + g.taskSeq() + " is " + t.state.name().toLowerCase(java.util.Locale.ROOT));
        }
        return g.claims().stream().filter(c -> !isMember.test(hex(c.member()))).findFirst()
                .map(c -> "group of task #" + g.taskSeq() + ": a claim by " + hex(c.member()) + ", who is not a member");
    }

    /** Empty if task {@code seq} is a task neither settled nor expired; else why {@code what} is refused. */
    private Optional<String> open(long seq, String what) {
        Task t = tasks.get(seq);
        if (t == null) {
            return Optional.of(what + " of task #" + seq + ", which is not a task");
        }
        return t.state == State.OPEN ? Optional.empty()
                : Optional.of("task #" + seq + " is already " + t.state.name().toLowerCase(java.util.Locale.ROOT));
    }

    private Optional<String> settlementRefusal(LedgerRecord.TaskSettled s) {
        Optional<String> closed = open(s.taskSeq(), "settlement");
        if (closed.isPresent()) {
            return closed;
        }
        Task t = tasks.get(s.taskSeq());
        if (t.group == null) {
            return Optional.of("task #" + s.taskSeq() + " has no group yet");
        }
        TaskCertificate c = taskCertificates.get(s.certificateSeq());
        if (c == null || c.taskSeq() != s.taskSeq()) {
            return Optional.of("entry #" + s.certificateSeq() + " is not a certificate of a round of task #" + s.taskSeq()
                    + " (drawn at its group's entry)");
        }
        if (c.phase() != TaskRound.Phase.CLEANUP) {
            return Optional.of("certificate #" + s.certificateSeq() + " is of task #" + s.taskSeq() + "'s " + c.phase().name().toLowerCase(java.util.Locale.ROOT)
                    + " round, not of its clean-up round");
        }
        if (c.outcome() != Outcome.TRUSTED) {
            return Optional.of("clean-up certificate #" + s.certificateSeq() + " is " + c.outcome() + ", not TRUSTED");
        }
        List<String> listed = s.group().stream().map(x -> hex(x.member())).toList();
        if (!listed.equals(t.group)) {
            return Optional.of("the settlement's group is not task #" + s.taskSeq() + "'s group");
        }
        Set<String> due = penalised(t);
        return due.equals(s.penalised()) ? Optional.empty()
                : Optional.of("the settlement penalises " + s.penalised() + ", the records of task #" + s.taskSeq() + " penalise " + due);
    }

    /**
     * The settlement these records call for now: task {@code taskSeq} open, with its group and its first TRUSTED clean-up
     * certificate; its group in the GroupElected order, each member flagged as the records penalise it. Empty otherwise.
     */
    Optional<LedgerRecord.TaskSettled> settlement(long taskSeq) {
        Task t = tasks.get(taskSeq);
        if (t == null || t.state != State.OPEN || t.group == null || t.cleanUp == 0) {
            return Optional.empty();
        }
        Set<String> due = penalised(t);
        HexFormat hex = HexFormat.of();
        return Optional.of(new LedgerRecord.TaskSettled(taskSeq, t.cleanUp,
                t.group.stream().map(m -> new LedgerRecord.Share(hex.parseHex(m), due.contains(m))).toList()));
    }

    /** Who of the task's group is penalised: each with a verdict against one of its certificates, and its executor if caught. */
    private static Set<String> penalised(Task t) {
        Set<String> due = new TreeSet<>();
        for (String m : t.group) {
            if (t.against.contains(m) || (t.executorCaught && m.equals(t.executor))) {
                due.add(m);
            }
        }
        return due;
    }

    /**
     * Applies an accepted record; returns the member whose credit a settlement takes for tampering (the caught executor),
     * if any.
     */
    Optional<String> apply(LedgerEntry e) {
        long seq = e.seq();
        LedgerRecord record = e.record();
        if (record instanceof LedgerRecord.TokensDeposited d) {
            String m = hex(d.member());
            balances.merge(m, d.amount(), Math::addExact);
            deposited = Math.addExact(deposited, d.amount());
            if (!Arrays.equals(d.account(), NO_ACCOUNT)) {
                accounts.putIfAbsent(m, d.account());
            }
        } else if (record instanceof LedgerRecord.TokensWithdrawn w) {
            balances.merge(hex(w.member()), -w.amount(), Math::addExact);
            withdrawn = Math.addExact(withdrawn, w.amount());
        } else if (record instanceof LedgerRecord.ServicePublished p) {
            services.put(seq, new Service(hex(p.author()), p.price(), p.imageSha256()));
        } else if (record instanceof LedgerRecord.TaskSubmitted t) {
            balances.merge(hex(t.owner()), -t.payment(), Math::addExact);
            escrowed = Math.addExact(escrowed, t.payment());
            tasks.put(seq, new Task(hex(t.owner()), t.serviceSeq(), t.payment(), seq + t.expiresAfter()));
        } else if (record instanceof LedgerRecord.GroupElected g) {
            Task t = tasks.get(g.taskSeq());
            t.executor = hex(g.executor());
            t.group = g.members().stream().map(TaskBook::hex).toList();
            t.groupHash = e.hash();
        } else if (record instanceof LedgerRecord.CertificateRecorded c) {
            certificate(seq, c.certificate());
        } else if (record instanceof LedgerRecord.CreditChanged c) {
            TaskCertificate of = taskCertificates.get(c.becauseOfSeq());
            if (of != null) {
                tasks.get(of.taskSeq()).against.add(hex(c.member()));
            }
        } else if (record instanceof LedgerRecord.TaskSettled s) {
            return settle(s);
        } else if (record instanceof LedgerRecord.TaskExpired x) {
            Task t = tasks.get(x.taskSeq());
            long burn = Settlement.burn(t.payment);
            balances.merge(t.owner, t.payment - burn, Math::addExact);
            burned += burn;
            escrowed -= t.payment;
            t.state = State.EXPIRED;
            onHpcs.values().removeIf(on -> on.taskSeq() == x.taskSeq());
        }
        return Optional.empty();
    }

    /** Whether {@code taskSeq} is a task that is neither settled nor expired. */
    boolean open(long taskSeq) {
        Task t = tasks.get(taskSeq);
        return t != null && t.state == State.OPEN;
    }

    /** The task {@code hpc} may hold now, if any. */
    Optional<LedgerRules.TaskOnHpc> taskOn(org.leo.boot.net.MacAddress hpc) {
        return Optional.ofNullable(onHpcs.get(hpc));
    }

    /** A certificate of a task's round drawn at that task's group entry, while the task is open, belongs to the task. */
    private void certificate(long seq, QuorumCertificate c) {
        Optional<TaskRound> round = TaskRound.of(c.round().round());
        if (round.isEmpty()) {
            return;
        }
        Task t = tasks.get(round.get().taskSeq());
        if (t == null || t.state != State.OPEN || t.groupHash == null || !Arrays.equals(t.groupHash, c.round().ledgerHead())) {
            return;
        }
        taskCertificates.put(seq, new TaskCertificate(round.get().taskSeq(), round.get().phase(), c.outcome()));
        if (c.outcome() == Outcome.TRUSTED && round.get().phase() == TaskRound.Phase.ATTEST) {
            onHpcs.put(c.round().hpc(), new LedgerRules.TaskOnHpc(round.get().taskSeq(), services.get(t.serviceSeq).imageId()));
        } else if (c.outcome() == Outcome.TRUSTED) { // the clean-up: the HPC booted again, empty
            LedgerRules.TaskOnHpc on = onHpcs.get(c.round().hpc());
            if (on != null && on.taskSeq() == round.get().taskSeq()) {
                onHpcs.remove(c.round().hpc());
            }
        }
        if (c.outcome() == Outcome.UNTRUSTED) {
            t.executorCaught = true;
        } else if (round.get().phase() == TaskRound.Phase.CLEANUP && t.cleanUp == 0) {
            t.cleanUp = seq;
        }
    }

    private Optional<String> settle(LedgerRecord.TaskSettled s) {
        Task t = tasks.get(s.taskSeq());
        Service service = services.get(t.serviceSeq);
        HexFormat hex = HexFormat.of();
        List<byte[]> monitors = new ArrayList<>();
        for (String m : t.group) {
            if (!m.equals(t.executor)) {
                monitors.add(hex.parseHex(m));
            }
        }
        Settlement.Split split = Settlement.split(t.payment, service.price(), hex.parseHex(service.author()), hex.parseHex(t.executor), monitors,
                s.penalised());
        split.paid().forEach((m, amount) -> balances.merge(m, amount, Math::addExact));
        burned += split.burned();
        escrowed -= t.payment;
        t.state = State.SETTLED;
        return t.executorCaught ? Optional.of(t.executor) : Optional.empty();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
