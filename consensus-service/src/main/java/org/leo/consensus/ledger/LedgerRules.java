package org.leo.consensus.ledger;

import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;

/**
 * What a record may do to the fleet's state, and what it does: the rules both ledgers apply on every
 * append and on every replay, and which {@code src/main/solidity/LeoLedger.sol} enforces on chain the
 * same way, so {@link EmbeddedLedger}, {@link EvmLedger} and the contract agree on every credit.
 *
 * <ul>
 * <li>{@code MemberAdmitted}: a member is admitted once, with its starting credit.
 * <li>{@code CertificateRecorded}: its round has no certificate yet (one per round, whatever the outcome:
 *     neither a partition nor a restarted collector records two); every verdict is by an admitted member,
 *     each member once, all of one round and outcome; each signer gains 1. Credit accrues in no other way.
 * <li>{@code EquivocationRecorded}: by an admitted member, once per member and round; it loses half its
 *     credit, at least {@link #EQUIVOCATION_MIN_PENALTY}.
 * <li>{@code CreditChanged}: only -1, for an admitted member, following an earlier certificate (its
 *     verdict was against it), once per member and certificate, certificates in order.
 * <li>{@code ReferenceValues}: always accepted; the latest per HPC is what a verifier appraises against.
 * <li>{@code ServicePublished}: by an admitted member; its entry's seq is the service's id.
 * <li>{@code TaskSubmitted}: by an admitted member, for a published service, with a payment that covers the
 *     burn and the service's price ({@code Settlement.paymentProblem}) and that its balance covers: the payment
 *     goes into the task's escrow.
 * <li>{@code GroupElected}: once per open task, every claim by an admitted member, the executor among them (the
 *     claims' proofs are a reader's to check, as a certificate's signatures).
 * <li>{@code TokensDeposited}, {@code TokensWithdrawn}, {@code TaskSettled}, {@code TaskExpired}: tokens and
 *     the task's end ({@link TaskBook}); a settlement that finds the executor caught takes its credit as an
 *     equivocation does.
 * </ul>
 * Credit never goes below zero and is never transferred. Signatures are not checked here (the
 * certificate's {@code problem()} does that); these rules are what the contract can check without them.
 */
public final class LedgerRules {
    static final long EQUIVOCATION_MIN_PENALTY = 10;
    static final long VERDICT_AGAINST_CERTIFICATE = -1;

    private static final class Member {
        final byte[] vrfKey;
        long credit;
        long lastPenalty;

        Member(byte[] vrfKey, long credit) {
            this.vrfKey = vrfKey;
            this.credit = credit;
        }

        Member copy() {
            Member m = new Member(vrfKey, credit);
            m.lastPenalty = lastPenalty;
            return m;
        }
    }

    /** A member's state: its VRF public key and its credit. */
    public record MemberState(byte[] member, byte[] vrfKey, long credit) {
        public MemberState {
            member = member.clone();
            vrfKey = vrfKey.clone();
        }

        @Override
        public byte[] member() {
            return member.clone();
        }

        @Override
        public byte[] vrfKey() {
            return vrfKey.clone();
        }
    }

    /** The token totals of a ledger. */
    public record Tokens(long deposited, long balances, long escrowed, long burned, long withdrawn) {
        /** Nothing made, nothing lost: every deposited token is in a balance, in escrow, burned or withdrawn. */
        public boolean conserved() {
            return deposited == balances + escrowed + burned + withdrawn;
        }
    }

    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Set<Long> certificates = new HashSet<>();
    private TaskBook book = new TaskBook();
    /** The seq of each round's certificate, by HPC and round number: one whatever head the round was drawn at. */
    private final Map<Slot, Long> certificateOfRound = new HashMap<>();

    /** Round {@code round} of {@code hpc}, at any head. */
    private record Slot(org.leo.boot.net.MacAddress hpc, long round) {
        static Slot of(RoundId id) {
            return new Slot(id.hpc(), id.round());
        }
    }
    private final Set<EquivocationKey> equivocations = new HashSet<>();
    /** Each HPC's latest ReferenceValues (a publication refuses nothing and replaces the one before). */
    private final Map<org.leo.boot.net.MacAddress, LedgerRecord.ReferenceValues> references = new HashMap<>();

    /**
     * The task an HPC may hold now, as the ledger says: task {@code taskSeq} of the service whose image is {@code imageId}
     * (the SHA-256 of its config), between the task's TRUSTED ATTEST certificate (its keys may be released) and its TRUSTED
     * CLEANUP certificate (the HPC booted again, clean). A verifier appraises the HPC's task state against it.
     */
    public record TaskOnHpc(long taskSeq, byte[] imageId) {
        public TaskOnHpc {
            imageId = imageId.clone();
        }

        @Override
        public byte[] imageId() {
            return imageId.clone();
        }
    }

    private record EquivocationKey(String member, RoundId round) {
    }

    /** No member, no record: the state at genesis. */
    public LedgerRules() {
    }

    /** An independent copy of this state (a snapshot at some head, to replay further from). */
    public LedgerRules copy() {
        LedgerRules r = new LedgerRules();
        members.forEach((k, m) -> r.members.put(k, m.copy()));
        r.certificates.addAll(certificates);
        r.certificateOfRound.putAll(certificateOfRound);
        r.book = book.copy();
        r.equivocations.addAll(equivocations);
        r.references.putAll(references);
        return r;
    }

    /** Every admitted member with its VRF key and credit, by member key (hex). */
    public Map<String, MemberState> members() {
        Map<String, MemberState> out = new java.util.LinkedHashMap<>();
        members.forEach((k, m) -> out.put(k, new MemberState(HexFormat.of().parseHex(k), m.vrfKey, m.credit)));
        return java.util.Collections.unmodifiableMap(out);
    }

    /** Why the record may not be entry {@code seq}, or empty if it may. */
    public Optional<String> refusal(long seq, LedgerRecord record) {
        if (record instanceof LedgerRecord.MemberAdmitted m) {
            return members.containsKey(hex(m.member())) ? Optional.of("member " + hex(m.member()) + " is already admitted") : Optional.empty();
        }
        if (record instanceof LedgerRecord.CertificateRecorded c) {
            return certificateRefusal(c);
        }
        if (record instanceof LedgerRecord.EquivocationRecorded e) {
            if (!members.containsKey(e.evidence().memberHex())) {
                return Optional.of("equivocation by " + e.evidence().memberHex() + ", who is not a member");
            }
            return equivocations.contains(equivocationKey(e)) ? Optional.of("the equivocation of member " + e.evidence().memberHex()
                    + " in " + e.evidence().round() + " is already recorded") : Optional.empty();
        }
        if (record instanceof LedgerRecord.CreditChanged c) {
            return creditChangeRefusal(seq, c);
        }
        return book.refusal(seq, record, members::containsKey);
    }

    private Optional<String> certificateRefusal(LedgerRecord.CertificateRecorded c) {
        Long recorded = certificateOfRound.get(Slot.of(c.certificate().round()));
        if (recorded != null) {
            return Optional.of("round " + c.certificate().round().round() + " of HPC " + c.certificate().round().hpc()
                    + " already has a certificate: entry #" + recorded);
        }
        Set<String> signers = new HashSet<>();
        for (Verdict v : c.certificate().verdicts()) {
            if (!v.round().equals(c.certificate().round()) || v.outcome() != c.certificate().outcome()) {
                return Optional.of("the certificate's verdicts are of different rounds or outcomes");
            }
            if (!members.containsKey(v.memberHex())) {
                return Optional.of("the certificate has a verdict by " + v.memberHex() + ", who is not a member");
            }
            if (!signers.add(v.memberHex())) {
                return Optional.of("member " + v.memberHex() + " signed the certificate twice");
            }
        }
        return Optional.empty();
    }

    private Optional<String> creditChangeRefusal(long seq, LedgerRecord.CreditChanged c) {
        Member m = members.get(hex(c.member()));
        if (c.delta() != VERDICT_AGAINST_CERTIFICATE) {
            return Optional.of("a credit change of " + c.delta() + ": credit accrues only through certificates, and a credit change is "
                    + VERDICT_AGAINST_CERTIFICATE + " for a verdict against one");
        }
        if (c.becauseOfSeq() >= seq || !certificates.contains(c.becauseOfSeq())) {
            return Optional.of("a credit change follows a recorded certificate; entry #" + c.becauseOfSeq() + " is none");
        }
        if (m == null) {
            return Optional.of("credit change for " + hex(c.member()) + ", who is not a member");
        }
        if (c.becauseOfSeq() <= m.lastPenalty) {
            return Optional.of("member " + hex(c.member()) + " already lost credit for certificate #" + m.lastPenalty
                    + "; changes follow certificates in order, once each");
        }
        return Optional.empty();
    }

    /** Applies the entry's record; an IllegalArgumentException with the reason if the rules refuse it. */
    public void apply(LedgerEntry entry) {
        long seq = entry.seq();
        LedgerRecord record = entry.record();
        refusal(seq, record).ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
        if (record instanceof LedgerRecord.MemberAdmitted m) {
            members.put(hex(m.member()), new Member(m.vrfKey(), m.credit()));
        } else if (record instanceof LedgerRecord.CertificateRecorded c) {
            certificates.add(seq);
            certificateOfRound.put(Slot.of(c.certificate().round()), seq);
            for (Verdict v : c.certificate().verdicts()) {
                Member m = members.get(v.memberHex());
                m.credit = Math.addExact(m.credit, 1);
            }
        } else if (record instanceof LedgerRecord.EquivocationRecorded e) {
            equivocations.add(equivocationKey(e));
            halve(members.get(e.evidence().memberHex()));
        } else if (record instanceof LedgerRecord.CreditChanged c) {
            Member m = members.get(hex(c.member()));
            m.lastPenalty = c.becauseOfSeq();
            m.credit = Math.max(0, m.credit + c.delta());
        } else if (record instanceof LedgerRecord.ReferenceValues r) {
            references.put(r.hpc(), r);
        }
        book.apply(entry).ifPresent(caught -> halve(members.get(caught)));
    }

    /** Half its credit, at least {@link #EQUIVOCATION_MIN_PENALTY}: for equivocating, and for tampering with a task. */
    private static void halve(Member m) {
        m.credit = Math.max(0, m.credit - Math.max(m.credit / 2, EQUIVOCATION_MIN_PENALTY));
    }

    /** Every member's token balance (members that never held a token are absent), by member key (hex). */
    public Map<String, Long> balances() {
        return book.balances();
    }

    /** The token totals. */
    public Tokens tokens() {
        return book.tokens();
    }

    /** The EVM account member {@code memberHex} withdraws to, 20 zero bytes if none. */
    public byte[] account(String memberHex) {
        return book.account(memberHex);
    }

    /**
     * The TaskSettled record these rules accept for task {@code taskSeq} now: the task open, its group recorded, its first TRUSTED
     * clean-up certificate on the ledger, the group in its GroupElected order with each member penalised as the records say
     * (a verdict against one of the task's certificates; the executor caught). Empty if the task cannot be settled now.
     */
    public Optional<LedgerRecord.TaskSettled> settlement(long taskSeq) {
        return book.settlement(taskSeq);
    }

    /** Whether entry {@code taskSeq} is a task that is still open: neither settled nor expired. */
    public boolean taskOpen(long taskSeq) {
        return book.open(taskSeq);
    }

    /** The task {@code hpc} may hold now ({@link TaskOnHpc}), if any. */
    public Optional<TaskOnHpc> taskOn(org.leo.boot.net.MacAddress hpc) {
        return book.taskOn(hpc);
    }

    /** The latest reference values published for {@code hpc}, if any. */
    public Optional<LedgerRecord.ReferenceValues> referenceValues(org.leo.boot.net.MacAddress hpc) {
        return Optional.ofNullable(references.get(hpc));
    }

    /** Every admitted member's credit, by member key (hex). */
    public Map<String, Long> credits() {
        Map<String, Long> out = new HashMap<>();
        members.forEach((k, m) -> out.put(k, m.credit));
        return Map.copyOf(out);
    }

    private static EquivocationKey equivocationKey(LedgerRecord.EquivocationRecorded e) {
        return new EquivocationKey(e.evidence().memberHex(), e.evidence().round());
    }

    private static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }
}
