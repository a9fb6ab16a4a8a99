package org.leo.consensus.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.RoundId;
import org.leo.consensus.quorum.Verdict;
import org.leo.consensus.quorum.Verdict.Outcome;

/**
 * Members with fixed Ed25519 keys (secret key i = 32 bytes of value i + 1) and the records the ledger
 * tests append: admissions, certificates of any size, equivocations, credit changes. Every key, head,
 * proof and digest is a SHA-256 output (few zero bytes, as in real records: calldata costs 4 gas per
 * zero byte and 16 per other byte), and Ed25519 signatures are deterministic, so every body, hash and
 * gas figure is the same on every run.
 */
final class TestFleet {
    static final org.leo.boot.net.MacAddress HPC = org.leo.boot.net.MacAddress.parse("52:54:00:77:00:10");

    private TestFleet() {
    }

    static byte[] secret(int i) {
        byte[] k = new byte[32];
        java.util.Arrays.fill(k, (byte) (i + 1));
        return k;
    }

    static byte[] member(int i) {
        byte[] p = new byte[32];
        Ed25519.generatePublicKey(secret(i), 0, p, 0);
        return p;
    }

    static String memberHex(int i) {
        return HexFormat.of().formatHex(member(i));
    }

    /** The ledgers' refusal of a second certificate for {@code round}'s HPC and round number. */
    static String slotTaken(RoundId round) {
        return "round " + round.round() + " of HPC " + round.hpc() + " already has a certificate: entry #4";
    }

    /** The same HPC and round number drawn at another ledger head. */
    static RoundId otherHead(RoundId round) {
        byte[] head = round.ledgerHead();
        head[0] ^= 1;
        return new RoundId(head, round.hpc(), round.round());
    }

    static RoundId round(long n) {
        return new RoundId(sha256("ledger head"), HPC, n);
    }

    /** SHA-256 of a label and a number: a digest standing in for a real one. */
    static byte[] sha256(String label, int... n) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(label.getBytes(StandardCharsets.US_ASCII));
            for (int i : n) {
                md.update(ByteBuffer.allocate(4).putInt(i).array());
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 80 bytes standing in for member i's VRF proof. */
    static byte[] proof(int i) {
        ByteBuffer b = ByteBuffer.allocate(96).put(sha256("proof", i, 0)).put(sha256("proof", i, 1)).put(sha256("proof", i, 2));
        return java.util.Arrays.copyOf(b.array(), Verdict.PROOF_BYTES);
    }

    static LedgerRecord.MemberAdmitted admission(int i, long credit) {
        return new LedgerRecord.MemberAdmitted(member(i), sha256("vrf key", i), credit);
    }

    /** Member {@code i}'s service "grey" at {@code price}. */
    static LedgerRecord.ServicePublished service(int i, long price) {
        return LedgerRecord.ServicePublished.sign(secret(i), sha256("image"), sha256("code capsule", i), price, "grey");
    }

    /** The account of anvil's first dev account, which deploys the test contracts and deposits. */
    static final byte[] OWNER_ACCOUNT = HexFormat.of().parseHex(
            org.web3j.crypto.Credentials.create(AnvilProcess.DEV_KEYS.get(0)).getAddress().substring(2));

    /** Member {@code i}'s task for the service at entry {@code serviceSeq}, paying {@code payment}, expiring 100 entries on. */
    static LedgerRecord.TaskSubmitted task(int i, long serviceSeq, long payment) {
        return task(i, serviceSeq, payment, 100);
    }

    static LedgerRecord.TaskSubmitted task(int i, long serviceSeq, long payment, int expiresAfter) {
        return LedgerRecord.TaskSubmitted.sign(secret(i), serviceSeq, List.of(sha256("data capsule", i, 0), sha256("data capsule", i, 1)), 10, 5,
                5, payment, expiresAfter);
    }

    /** {@code amount} tokens for member {@code i}, deposited by {@link #OWNER_ACCOUNT} (bound to it), as the contract records it. */
    static LedgerRecord.TokensDeposited deposit(int i, long amount) {
        return new LedgerRecord.TokensDeposited(member(i), amount, OWNER_ACCOUNT);
    }

    /**
     * The group of the task at entry {@code taskSeq}: executor {@code executor} and monitors {@code monitors}, one vote
     * each, made-up proofs.
     */
    static LedgerRecord.GroupElected group(long taskSeq, int executor, int... monitors) {
        return new LedgerRecord.GroupElected(taskSeq, member(executor), claims(executor, monitors));
    }

    /** The claims of {@code executor} and {@code monitors} in ascending order of member key. */
    static List<LedgerRecord.GroupClaim> claims(int executor, int... monitors) {
        List<LedgerRecord.GroupClaim> claims = new ArrayList<>();
        claims.add(new LedgerRecord.GroupClaim(member(executor), 1, proof(executor)));
        for (int i : monitors) {
            claims.add(new LedgerRecord.GroupClaim(member(i), 1, proof(i)));
        }
        claims.sort((a, b) -> java.util.Arrays.compareUnsigned(a.member(), b.member()));
        return claims;
    }

    /** A certificate of task {@code taskSeq}'s round (phase, attempt 0) drawn at its group's entry {@code groupHash}, signed by {@code signers}. */
    static LedgerRecord.CertificateRecorded taskCertificate(long taskSeq, byte[] groupHash, org.leo.consensus.task.TaskRound.Phase phase,
                                                            int attempt, Outcome outcome, int... signers) {
        RoundId r = new org.leo.consensus.task.TaskRound(taskSeq, phase, attempt).roundId(groupHash, HPC);
        List<Verdict> vs = new ArrayList<>();
        for (int i : signers) {
            vs.add(verdict(i, r, outcome));
        }
        return certificate(r, outcome, vs);
    }

    /** The settlement of {@code group}'s task by certificate {@code certificateSeq}, members {@code penalised} penalised. */
    static LedgerRecord.TaskSettled settled(LedgerRecord.GroupElected group, long certificateSeq, int... penalised) {
        java.util.Set<String> p = new java.util.HashSet<>();
        for (int i : penalised) {
            p.add(memberHex(i));
        }
        return new LedgerRecord.TaskSettled(group.taskSeq(), certificateSeq, group.members().stream()
                .map(m -> new LedgerRecord.Share(m, p.contains(HexFormat.of().formatHex(m)))).toList());
    }

    /** Five members of credit 100, member 0's service of price 3, member 1's deposit of 1000 tokens; the service's seq. */
    static long market(Ledger l) {
        for (int i = 0; i < 5; i++) {
            l.append(admission(i, 100));
        }
        long service = l.append(service(0, 3)).seq();
        l.append(deposit(1, 1000));
        return service;
    }

    static LedgerRecord.ReferenceValues referenceValues() {
        return new LedgerRecord.ReferenceValues(HPC, sha256("manifest"), sha256("measured boot"), sha256("golden"));
    }

    static Verdict verdict(int i, RoundId round, Outcome outcome) {
        return Verdict.sign(secret(i), round, 1, proof(i), outcome, sha256("evidence", i));
    }

    /** A certificate of round {@code round} signed by members {@code first .. first + count - 1}. */
    static LedgerRecord.CertificateRecorded certificate(RoundId round, Outcome outcome, int first, int count) {
        List<Verdict> vs = new ArrayList<>();
        for (int i = first; i < first + count; i++) {
            vs.add(verdict(i, round, outcome));
        }
        return certificate(round, outcome, vs);
    }

    static LedgerRecord.CertificateRecorded certificate(RoundId round, Outcome outcome, List<Verdict> verdicts) {
        return new LedgerRecord.CertificateRecorded(new QuorumCertificate(round, outcome, verdicts));
    }

    /** Member {@code i} signed both outcomes in {@code round}. */
    static LedgerRecord.EquivocationRecorded equivocation(int i, RoundId round) {
        return new LedgerRecord.EquivocationRecorded(new Equivocation(verdict(i, round, Outcome.TRUSTED), verdict(i, round, Outcome.UNTRUSTED)));
    }

    /** Member {@code i} signed against the certificate at {@code certificateSeq}. */
    static LedgerRecord.CreditChanged againstCertificate(int i, long certificateSeq) {
        return new LedgerRecord.CreditChanged(member(i), LedgerRules.VERDICT_AGAINST_CERTIFICATE, certificateSeq, "verdict against the certificate");
    }

    /**
     * A record the rules refuse after {@link #PREFIX}, with the reason each enforcer gives: the Java rules
     * ({@link LedgerRules}, both ledgers) and the contract (its revert reason).
     */
    record Refused(String what, LedgerRecord record, String javaReason, String contractReason) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** Records with their entries' hashes as they chain from genesis. */
    private static final class Chain {
        final List<LedgerRecord> records = new ArrayList<>();
        byte[] head = Ledger.GENESIS;

        byte[] add(LedgerRecord r) {
            records.add(r);
            head = LedgerEntry.chain(records.size(), r, head).hash();
            return head;
        }
    }

    /** Task A (#9): a group (#10), a TRUSTED attest certificate (#11), an UNTRUSTED clean-up certificate (#17). */
    static final LedgerRecord.GroupElected GROUP_A = group(9, 2, 0, 1);
    /** Task B (#12): settled (#15) by its TRUSTED clean-up certificate (#14). */
    static final LedgerRecord.GroupElected GROUP_B = group(12, 2, 0);

    /**
     * Members 0..2 with 100 credit, a certificate by 0 and 1 (#4), 1's equivocation (#5), 2 against the certificate (#6),
     * 0's service at price 3 (#7), 100 tokens for member 1 (#8), and three tasks of member 1 paying 10 each: A (#9) with
     * its group (#10, executor 2, monitors 0 and 1) and a TRUSTED attest certificate (#11); B (#12) with its group (#13, executor 2,
     * monitor 0), a TRUSTED clean-up certificate (#14) and its settlement (#15); C (#16) without a group; then A's UNTRUSTED clean-up
     * certificate (#17).
     */
    static final List<LedgerRecord> PREFIX;

    static {
        Chain c = new Chain();
        List.of(admission(0, 100), admission(1, 100), admission(2, 100), certificate(round(1), Outcome.TRUSTED, 0, 2), equivocation(1, round(1)),
                againstCertificate(2, 4), service(0, 3), deposit(1, 100), task(1, 7, 10)).forEach(c::add);
        byte[] a = c.add(GROUP_A);
        c.add(taskCertificate(9, a, org.leo.consensus.task.TaskRound.Phase.ATTEST, 0, Outcome.TRUSTED, 0, 1));
        c.add(task(1, 7, 10));
        byte[] b = c.add(GROUP_B);
        c.add(taskCertificate(12, b, org.leo.consensus.task.TaskRound.Phase.CLEANUP, 0, Outcome.TRUSTED, 0));
        c.add(settled(GROUP_B, 14));
        c.add(task(1, 7, 10));
        c.add(taskCertificate(9, a, org.leo.consensus.task.TaskRound.Phase.CLEANUP, 0, Outcome.UNTRUSTED, 0, 1));
        PREFIX = List.copyOf(c.records);
    }

    static List<Refused> refused() {
        RoundId r = round(2);
        return List.of(
                new Refused("a second admission", admission(0, 5), "is already admitted", "LeoLedger: member already admitted"),
                new Refused("a certificate with a non-member's verdict", certificate(r, Outcome.TRUSTED, 2, 2), "who is not a member",
                        "LeoLedger: verdict by a non-member"),
                new Refused("a member signing a certificate twice", certificate(r, Outcome.TRUSTED,
                        List.of(verdict(0, r, Outcome.TRUSTED), verdict(1, r, Outcome.TRUSTED), verdict(0, r, Outcome.TRUSTED))),
                        "signed the certificate twice", "LeoLedger: member signed twice"),
                new Refused("a certificate over two rounds", certificate(r, Outcome.TRUSTED,
                        List.of(verdict(0, r, Outcome.TRUSTED), verdict(1, round(3), Outcome.TRUSTED))),
                        "of different rounds or outcomes", "LeoLedger: verdicts of different rounds or outcomes"),
                new Refused("a certificate of two outcomes", certificate(r, Outcome.TRUSTED,
                        List.of(verdict(0, r, Outcome.TRUSTED), verdict(1, r, Outcome.UNTRUSTED))),
                        "of different rounds or outcomes", "LeoLedger: verdicts of different rounds or outcomes"),
                new Refused("a second certificate for a round, of the same outcome", certificate(round(1), Outcome.TRUSTED, 2, 1),
                        slotTaken(round(1)), "LeoLedger: round already has a certificate"),
                new Refused("a second certificate for a round, of the opposite outcome", certificate(round(1), Outcome.UNTRUSTED, 0, 3),
                        slotTaken(round(1)), "LeoLedger: round already has a certificate"),
                new Refused("a second certificate for a round, drawn at another head", certificate(otherHead(round(1)), Outcome.UNTRUSTED, 0, 3),
                        slotTaken(round(1)), "LeoLedger: round already has a certificate"),
                new Refused("an equivocation recorded twice", equivocation(1, round(1)), "is already recorded",
                        "LeoLedger: equivocation already recorded"),
                new Refused("an equivocation by a non-member", equivocation(3, r), "who is not a member",
                        "LeoLedger: equivocation by a non-member"),
                new Refused("credit given", new LedgerRecord.CreditChanged(member(0), 1, 4, "certificate signed with the quorum"),
                        "credit accrues only through certificates", "LeoLedger: credit accrues only through certificates"),
                new Refused("credit transferred (taken from one, given to another)", new LedgerRecord.CreditChanged(member(2), 50, 4, "transfer"),
                        "credit accrues only through certificates", "LeoLedger: credit accrues only through certificates"),
                new Refused("credit taken for no certificate", againstCertificate(0, 5), "follows a recorded certificate; entry #5 is none",
                        "LeoLedger: a credit change follows a recorded certificate"),
                new Refused("credit taken for a future entry", againstCertificate(0, 8), "follows a recorded certificate; entry #8 is none",
                        "LeoLedger: a credit change follows a recorded certificate"),
                new Refused("credit taken from a non-member", againstCertificate(3, 4), "who is not a member",
                        "LeoLedger: credit change for a non-member"),
                new Refused("credit taken twice for one certificate", againstCertificate(2, 4), "already lost credit for certificate #4",
                        "LeoLedger: already changed for this or a later certificate"),
                new Refused("a service by a non-member", service(3, 3), "who is not a member", "LeoLedger: service by a non-member"),
                new Refused("a task by a non-member", task(3, 7, 10), "who is not a member", "LeoLedger: task by a non-member"),
                new Refused("a task for an entry that is not a service", task(1, 4, 10), "service #4, which is not a published service",
                        "LeoLedger: not a published service"),
                new Refused("a task for a service yet to come", task(1, 8, 10), "service #8, which is not a published service",
                        "LeoLedger: not a published service"),
                new Refused("a group for an entry that is not a task", group(7, 0, 1), "group of task #7, which is not a task",
                        "LeoLedger: not a task"),
                new Refused("a second group for a task", group(9, 0, 1, 2), "task #9 already has its group",
                        "LeoLedger: the task already has its group"),
                new Refused("a task submitted without the funds (3 of 10)", task(2, 7, 10), "paying 10, whose balance is 3",
                        "LeoLedger: the owner's balance does not cover the payment"),
                new Refused("a task that costs more than its owner's balance", task(1, 7, 71), "paying 71, whose balance is 70",
                        "LeoLedger: the owner's balance does not cover the payment"),
                new Refused("settling a task twice", settled(GROUP_B, 14), "task #12 is already settled", "LeoLedger: the task is closed"),
                new Refused("settling without a clean-up certificate (the group's entry)", settled(GROUP_A, 10),
                        "entry #10 is not a certificate of a round of task #9", "LeoLedger: not a certificate of the task's rounds"),
                new Refused("settling with a scheduled round's certificate", settled(GROUP_A, 4),
                        "entry #4 is not a certificate of a round of task #9", "LeoLedger: not a certificate of the task's rounds"),
                new Refused("settling with another task's clean-up certificate", settled(GROUP_A, 14),
                        "entry #14 is not a certificate of a round of task #9", "LeoLedger: not a certificate of the task's rounds"),
                new Refused("settling with an attest-phase certificate", settled(GROUP_A, 11),
                        "certificate #11 is of task #9's attest round, not of its clean-up round", "LeoLedger: not a clean-up certificate"),
                new Refused("settling with an UNTRUSTED clean-up certificate", settled(GROUP_A, 17, 2),
                        "clean-up certificate #17 is UNTRUSTED, not TRUSTED", "LeoLedger: the clean-up certificate is not TRUSTED"),
                new Refused("settling before the group is elected", new LedgerRecord.TaskSettled(16, 14, settled(GROUP_B, 14).group()),
                        "task #16 has no group yet", "LeoLedger: the task has no group yet"),
                new Refused("settling an entry that is not a task", new LedgerRecord.TaskSettled(7, 14, settled(GROUP_B, 14).group()),
                        "settlement of task #7, which is not a task", "LeoLedger: not a task"),
                new Refused("an expiry before the task's deadline", new LedgerRecord.TaskExpired(9), "task #9 expires after entry #109, not at #18",
                        "LeoLedger: the task has not expired yet"),
                new Refused("an expiry of a settled task", new LedgerRecord.TaskExpired(12), "task #12 is already settled",
                        "LeoLedger: the task is closed"),
                new Refused("a deposit for a non-member", deposit(3, 5), "who is not a member",
                        "LeoLedger: tokens move only by deposit() and withdraw()"),
                new Refused("a deposit that would overflow the totals", deposit(1, Long.MAX_VALUE - 100), "the ledger holds fewer than 2^63 tokens",
                        "LeoLedger: tokens move only by deposit() and withdraw()"),
                new Refused("a withdrawal to an account that is not the member's", new LedgerRecord.TokensWithdrawn(member(1), 1,
                        java.util.Arrays.copyOf(sha256("stranger"), 20)), "a withdrawal to account 0x",
                        "LeoLedger: tokens move only by deposit() and withdraw()"),
                new Refused("a withdrawal beyond the balance", new LedgerRecord.TokensWithdrawn(member(1), 71, OWNER_ACCOUNT),
                        "a withdrawal of 71 by member " + memberHex(1) + ", whose balance is 70",
                        "LeoLedger: tokens move only by deposit() and withdraw()"),
                new Refused("a task that does not pay the burn and the price", task(1, 7, 3),
                        "a payment of 3 does not cover the burn (1) and the service's price (3)",
                        "LeoLedger: the payment does not cover the burn and the price"));
    }
}
