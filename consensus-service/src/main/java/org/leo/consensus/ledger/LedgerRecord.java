package org.leo.consensus.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.leo.boot.net.MacAddress;
import org.leo.consensus.quorum.Equivocation;
import org.leo.consensus.quorum.QuorumCertificate;
import org.leo.consensus.quorum.Verdict;

/**
 * What the ledger records: attestation facts, and of services and tasks only their hashes and terms,
 * never their contents. Each kind has a one-byte type and a canonical body (big-endian,
 * length-prefixed where variable), which the hash chain covers.
 */
public sealed interface LedgerRecord {
    int MAX_BODY_BYTES = 1 << 20;

    /** The type byte of the record's kind. */
    int type();

    /** The canonical body. */
    byte[] body();

    /** One line for logs and {@code leo ledger show}. */
    String describe();

    /** A Pi admitted to the fleet: its verdict key (its id), its VRF public key, its starting credit. */
    record MemberAdmitted(byte[] member, byte[] vrfKey, long credit) implements LedgerRecord {
        public MemberAdmitted {
            member = member.clone();
            vrfKey = vrfKey.clone();
            if (member.length != 32 || vrfKey.length != 32 || credit < 0) {
                throw new IllegalArgumentException("member admission: 32-byte keys and a credit of at least 0");
            }
        }

        @Override
        public int type() {
            return 1;
        }

        @Override
        public byte[] body() {
            return ByteBuffer.allocate(72).put(member).put(vrfKey).putLong(credit).array();
        }

        @Override
        public String describe() {
            return "member " + hex(member) + " admitted with VRF key " + hex(vrfKey) + " and credit " + credit;
        }
    }

    /** The reference values an HPC's evidence is appraised against, published at its enrollment. */
    record ReferenceValues(MacAddress hpc, byte[] manifestSha256, byte[] measuredBootSha256, byte[] goldenSha256) implements LedgerRecord {
        public ReferenceValues {
            java.util.Objects.requireNonNull(hpc, "hpc");
            manifestSha256 = manifestSha256.clone();
            measuredBootSha256 = measuredBootSha256.clone();
            goldenSha256 = goldenSha256.clone();
            if (manifestSha256.length != 32 || measuredBootSha256.length != 32 || goldenSha256.length != 32) {
                throw new IllegalArgumentException("reference values: three SHA-256 digests");
            }
        }

        @Override
        public int type() {
            return 2;
        }

        @Override
        public byte[] body() {
            return ByteBuffer.allocate(MacAddress.LENGTH + 96).put(hpc.toByteArray()).put(manifestSha256).put(measuredBootSha256)
                    .put(goldenSha256).array();
        }

        @Override
        public String describe() {
            return "reference values of HPC " + hpc + ": manifest " + hex(manifestSha256) + ", measured boot "
                    + hex(measuredBootSha256) + ", golden " + hex(goldenSha256);
        }
    }

    /** A quorum certificate: its signed verdicts, re-verifiable by anyone. */
    record CertificateRecorded(QuorumCertificate certificate) implements LedgerRecord {
        @Override
        public int type() {
            return 3;
        }

        @Override
        public byte[] body() {
            return verdicts(certificate.verdicts().toArray(Verdict[]::new));
        }

        @Override
        public String describe() {
            return "certificate: " + certificate.outcome() + " for " + certificate.round() + ", " + certificate.votes() + " vote(s) from "
                    + certificate.verdicts().size() + " member(s)";
        }
    }

    /** Two conflicting signed verdicts of one member for one round. */
    record EquivocationRecorded(Equivocation evidence) implements LedgerRecord {
        @Override
        public int type() {
            return 4;
        }

        @Override
        public byte[] body() {
            return verdicts(evidence.first(), evidence.second());
        }

        @Override
        public String describe() {
            return "equivocation by member " + evidence.memberHex() + " in " + evidence.round();
        }
    }

    /** A change of a member's credit, and the record it follows from (credit is never transferred). */
    record CreditChanged(byte[] member, long delta, long becauseOfSeq, String reason) implements LedgerRecord {
        public CreditChanged {
            member = member.clone();
            if (member.length != 32 || reason.isEmpty() || reason.length() > 200 || !printable(reason)) {
                throw new IllegalArgumentException("credit change: a 32-byte member key and a reason of 1..200 printable ASCII characters");
            }
        }

        @Override
        public int type() {
            return 5;
        }

        @Override
        public byte[] body() {
            byte[] r = reason.getBytes(StandardCharsets.US_ASCII);
            return ByteBuffer.allocate(32 + 16 + 2 + r.length).put(member).putLong(delta).putLong(becauseOfSeq).putShort((short) r.length)
                    .put(r).array();
        }

        @Override
        public String describe() {
            return "credit of member " + hex(member) + (delta >= 0 ? " +" : " ") + delta + " (" + reason + ", record #" + becauseOfSeq + ")";
        }
    }

    /** The longest service name. */
    int MAX_SERVICE_NAME = 64;
    /** The most data capsules one task names. */
    int MAX_TASK_CAPSULES = 16;
    /** The largest expected execution group of a task. */
    int MAX_TASK_GROUP = 1000;
    /** The most claims a recorded group has (sortition may draw more than expected). */
    int MAX_GROUP_CLAIMS = MAX_TASK_GROUP * 4;
    /** The latest a task may expire: this many entries after its own. */
    int MAX_TASK_EXPIRY = 1 << 24;
    /** An EVM account's address: 20 bytes (all zero: none). */
    int ACCOUNT_BYTES = 20;

    /**
     * A service (docs/tasks.md): its author's member key, the Docker image it runs in (the SHA-256 of the image's
     * config: its image id), the content address of its encrypted code capsule, its price per use in token units, a
     * name; signed by the author (Ed25519 over "leo-service-v1\0" and the body without the signature). The ledgers
     * check the terms; a reader checks the signature ({@link #signatureValid}), as for certificates. Its id is the
     * seq of its entry.
     */
    record ServicePublished(byte[] author, byte[] imageSha256, byte[] codeCapsuleSha256, long price, String name, byte[] signature)
            implements LedgerRecord {
        static final byte[] TAG = "leo-service-v1\0".getBytes(StandardCharsets.US_ASCII);

        public ServicePublished {
            author = author.clone();
            imageSha256 = imageSha256.clone();
            codeCapsuleSha256 = codeCapsuleSha256.clone();
            signature = signature.clone();
            if (author.length != 32 || imageSha256.length != 32 || codeCapsuleSha256.length != 32 || signature.length != 64) {
                throw new IllegalArgumentException("service: a 32-byte author key, two SHA-256 digests and a 64-byte signature");
            }
            if (price < 0 || name.isEmpty() || name.length() > MAX_SERVICE_NAME || !printable(name)) {
                throw new IllegalArgumentException("service: a price of at least 0 and a name of 1.." + MAX_SERVICE_NAME
                        + " printable ASCII characters");
            }
        }

        /** Signed by {@code authorSecret} (the author's Ed25519 verdict secret). */
        public static ServicePublished sign(byte[] authorSecret, byte[] imageSha256, byte[] codeCapsuleSha256, long price, String name) {
            byte[] author = new byte[32];
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(authorSecret, 0, author, 0);
            ServicePublished unsigned = new ServicePublished(author, imageSha256, codeCapsuleSha256, price, name, new byte[64]);
            return new ServicePublished(author, imageSha256, codeCapsuleSha256, price, name, ed25519(authorSecret, TAG, unsigned.terms()));
        }

        byte[] terms() {
            byte[] n = name.getBytes(StandardCharsets.US_ASCII);
            return ByteBuffer.allocate(32 * 3 + 8 + 1 + n.length).put(author).put(imageSha256).put(codeCapsuleSha256).putLong(price)
                    .put((byte) n.length).put(n).array();
        }

        public boolean signatureValid() {
            return ed25519Valid(author, TAG, terms(), signature);
        }

        @Override
        public int type() {
            return 6;
        }

        @Override
        public byte[] body() {
            return signed(terms(), signature);
        }

        @Override
        public String describe() {
            return "service '" + name + "' by member " + hex(author) + ": image sha256:" + hex(imageSha256) + ", code capsule " + hex(codeCapsuleSha256)
                    + ", price " + price;
        }
    }

    /**
     * A task (docs/tasks.md): its owner's member key, the service it uses (the seq of its ServicePublished entry), the
     * content addresses of its data capsules, the expected size of its execution group, the least credit of its executor
     * and of its monitors, its payment in token units (escrowed from the owner's balance) and how many entries after its
     * own it expires if no clean-up certificate is recorded by then; signed by the owner (Ed25519 over "leo-task-v1\0" and the
     * body without the signature). Its id is the seq of its entry.
     */
    record TaskSubmitted(byte[] owner, long serviceSeq, java.util.List<byte[]> dataCapsules, int groupSize, long minExecutorCredit,
                         long minMonitorCredit, long payment, int expiresAfter, byte[] signature) implements LedgerRecord {
        static final byte[] TAG = "leo-task-v1\0".getBytes(StandardCharsets.US_ASCII);

        public TaskSubmitted {
            owner = owner.clone();
            signature = signature.clone();
            dataCapsules = dataCapsules.stream().map(byte[]::clone).toList();
            if (owner.length != 32 || signature.length != 64 || dataCapsules.stream().anyMatch(c -> c.length != 32)) {
                throw new IllegalArgumentException("task: a 32-byte owner key, SHA-256 capsule addresses and a 64-byte signature");
            }
            if (dataCapsules.isEmpty() || dataCapsules.size() > MAX_TASK_CAPSULES || groupSize < 1 || groupSize > MAX_TASK_GROUP
                    || serviceSeq < 1 || minExecutorCredit < 0 || minMonitorCredit < 0 || payment < 0) {
                throw new IllegalArgumentException("task: 1.." + MAX_TASK_CAPSULES + " data capsules, a group of 1.." + MAX_TASK_GROUP
                        + ", a service entry and credits and payment of at least 0");
            }
            if (expiresAfter < 1 || expiresAfter > MAX_TASK_EXPIRY) {
                throw new IllegalArgumentException("task: it expires 1.." + MAX_TASK_EXPIRY + " entries after its own, not " + expiresAfter);
            }
        }

        @Override
        public java.util.List<byte[]> dataCapsules() {
            return dataCapsules.stream().map(byte[]::clone).toList();
        }

        /** Signed by {@code ownerSecret} (the owner's Ed25519 verdict secret). */
        public static TaskSubmitted sign(byte[] ownerSecret, long serviceSeq, java.util.List<byte[]> dataCapsules, int groupSize,
                                         long minExecutorCredit, long minMonitorCredit, long payment, int expiresAfter) {
            byte[] owner = new byte[32];
            org.bouncycastle.math.ec.rfc8032.Ed25519.generatePublicKey(ownerSecret, 0, owner, 0);
            TaskSubmitted unsigned = new TaskSubmitted(owner, serviceSeq, dataCapsules, groupSize, minExecutorCredit, minMonitorCredit, payment,
                    expiresAfter, new byte[64]);
            return new TaskSubmitted(owner, serviceSeq, dataCapsules, groupSize, minExecutorCredit, minMonitorCredit, payment, expiresAfter,
                    ed25519(ownerSecret, TAG, unsigned.terms()));
        }

        byte[] terms() {
            ByteBuffer b = ByteBuffer.allocate(32 + 8 + 2 + 8 * 3 + 4 + 1 + 32 * dataCapsules.size()).put(owner).putLong(serviceSeq)
                    .putShort((short) groupSize).putLong(minExecutorCredit).putLong(minMonitorCredit).putLong(payment).putInt(expiresAfter)
                    .put((byte) dataCapsules.size());
            dataCapsules.forEach(b::put);
            return b.array();
        }

        public boolean signatureValid() {
            return ed25519Valid(owner, TAG, terms(), signature);
        }

        @Override
        public int type() {
            return 7;
        }

        @Override
        public byte[] body() {
            return signed(terms(), signature);
        }

        @Override
        public String describe() {
            return "task by member " + hex(owner) + " for service #" + serviceSeq + ": " + dataCapsules.size() + " data capsule(s), a group of "
                    + groupSize + ", executor credit >= " + minExecutorCredit + ", monitor credit >= " + minMonitorCredit + ", payment " + payment
                    + ", expires " + expiresAfter + " entries on";
        }
    }

    /** One drawn member's claim in a task's election: its member key, the votes its VRF proof gives, the proof. */
    record GroupClaim(byte[] member, long votes, byte[] proof) {
        public GroupClaim {
            member = member.clone();
            proof = proof.clone();
            if (member.length != 32 || proof.length != 80 || votes < 1 || votes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("group claim: a 32-byte member key, 1.." + Integer.MAX_VALUE + " votes and an 80-byte VRF proof");
            }
        }

        @Override
        public byte[] member() {
            return member.clone();
        }

        @Override
        public byte[] proof() {
            return proof.clone();
        }
    }

    /**
     * A task's execution group (docs/tasks.md): its executor, and the claims the task owner's Pi collected in the election
     * window, in ascending order of member key, the executor's among them; the other claimants are the monitors. Anyone
     * re-runs the election over them ({@code TaskElection.recordedGroupProblem}) with the members' keys and credit as of
     * the task's entry: the rules check the structure, a reader the VRF proofs and that the group is the elected one. The
     * executor is named because the contract cannot verify VRF proofs, and the settlement pays by it.
     */
    record GroupElected(long taskSeq, byte[] executor, java.util.List<GroupClaim> claims) implements LedgerRecord {
        public GroupElected {
            executor = executor.clone();
            claims = java.util.List.copyOf(claims);
            if (taskSeq < 1 || claims.size() < 2 || claims.size() > MAX_GROUP_CLAIMS || executor.length != 32) {
                throw new IllegalArgumentException("group: a task entry, a 32-byte executor key and 2.." + MAX_GROUP_CLAIMS
                        + " claims (the executor and at least one monitor)");
            }
            for (int i = 1; i < claims.size(); i++) {
                if (java.util.Arrays.compareUnsigned(claims.get(i - 1).member(), claims.get(i).member()) >= 0) {
                    throw new IllegalArgumentException("group: the claims are in ascending order of member key, each member once");
                }
            }
            byte[] e = executor;
            if (claims.stream().noneMatch(c -> java.util.Arrays.equals(c.member(), e))) {
                throw new IllegalArgumentException("group: the executor is one of the claimants");
            }
        }

        @Override
        public byte[] executor() {
            return executor.clone();
        }

        /** The claimants' member keys, in the record's (ascending) order. */
        public java.util.List<byte[]> members() {
            return claims.stream().map(GroupClaim::member).toList();
        }

        @Override
        public int type() {
            return 8;
        }

        @Override
        public byte[] body() {
            ByteBuffer b = ByteBuffer.allocate(8 + 32 + 2 + claims.size() * (32 + 4 + 80)).putLong(taskSeq).put(executor)
                    .putShort((short) claims.size());
            claims.forEach(c -> b.put(c.member()).putInt((int) c.votes()).put(c.proof()));
            return b.array();
        }

        @Override
        public String describe() {
            return "group of task #" + taskSeq + ": executor " + hex(executor) + ", " + (claims.size() - 1) + " monitor(s), "
                    + claims.stream().mapToLong(GroupClaim::votes).sum() + " vote(s)";
        }
    }

    /**
     * Tokens credited to a member's balance (docs/tasks.md "Settlement on the ledgers"): on the EVM ledger the contract's
     * {@code deposit(member)} appends it for the ether sent (1 token = {@value #TOKEN_WEI} wei); on the embedded ledger the
     * operator appends it, and the tokens are that operator's bookkeeping. {@code account} is the member's withdrawal
     * account once the deposit is made (the EVM account the contract bound it to; all zero if none).
     */
    record TokensDeposited(byte[] member, long amount, byte[] account) implements TokenMove {
        public TokensDeposited {
            member = member.clone();
            account = account.clone();
            TokenMove.check(member, amount, account);
        }

        @Override
        public int type() {
            return 9;
        }

        @Override
        public String describe() {
            return amount + " token(s) deposited for member " + hex(member) + TokenMove.accountText(account);
        }
    }

    /** Tokens paid out of a member's balance to its account: by the contract's {@code withdraw}, or by the embedded ledger's operator. */
    record TokensWithdrawn(byte[] member, long amount, byte[] account) implements TokenMove {
        public TokensWithdrawn {
            member = member.clone();
            account = account.clone();
            TokenMove.check(member, amount, account);
        }

        @Override
        public int type() {
            return 10;
        }

        @Override
        public String describe() {
            return amount + " token(s) withdrawn by member " + hex(member) + TokenMove.accountText(account);
        }
    }

    /** A deposit or a withdrawal: member 32 | amount 8 | account 20. */
    sealed interface TokenMove extends LedgerRecord permits TokensDeposited, TokensWithdrawn {
        byte[] member();

        long amount();

        byte[] account();

        @Override
        default byte[] body() {
            return ByteBuffer.allocate(32 + 8 + ACCOUNT_BYTES).put(member()).putLong(amount()).put(account()).array();
        }

        private static void check(byte[] member, long amount, byte[] account) {
            if (member.length != 32 || account.length != ACCOUNT_BYTES || amount < 1) {
                throw new IllegalArgumentException("tokens: a 32-byte member key, at least 1 token and a 20-byte account");
            }
        }

        private static String accountText(byte[] account) {
            return java.util.Arrays.equals(account, new byte[ACCOUNT_BYTES]) ? "" : ", account 0x" + HexFormat.of().formatHex(account);
        }
    }

    /** One member of a settled task's group, and whether its share is burned instead of paid. */
    record Share(byte[] member, boolean penalised) {
        public Share {
            member = member.clone();
            if (member.length != 32) {
                throw new IllegalArgumentException("share: a 32-byte member key");
            }
        }

        @Override
        public byte[] member() {
            return member.clone();
        }
    }

    /**
     * A task paid out (docs/tasks.md "Settlement on the ledgers"): its seq, the entry of its TRUSTED clean-up certificate,
     * and its group again (in the GroupElected record's order, so the contract need not store it), each member marked if
     * penalised. The ledgers pay by {@code Settlement.split}.
     */
    record TaskSettled(long taskSeq, long certificateSeq, java.util.List<Share> group) implements LedgerRecord {
        public TaskSettled {
            group = java.util.List.copyOf(group);
            if (taskSeq < 1 || certificateSeq < 1 || group.size() < 2 || group.size() > MAX_GROUP_CLAIMS) {
                throw new IllegalArgumentException("settlement: a task entry, a certificate entry and a group of 2.." + MAX_GROUP_CLAIMS);
            }
        }

        /** The penalised members' keys (hex). */
        public java.util.Set<String> penalised() {
            java.util.Set<String> out = new java.util.TreeSet<>();
            group.stream().filter(Share::penalised).forEach(s -> out.add(HexFormat.of().formatHex(s.member())));
            return out;
        }

        @Override
        public int type() {
            return 11;
        }

        @Override
        public byte[] body() {
            ByteBuffer b = ByteBuffer.allocate(8 + 8 + 2 + group.size() * 33).putLong(taskSeq).putLong(certificateSeq).putShort((short) group.size());
            group.forEach(s -> b.put(s.member()).put((byte) (s.penalised() ? 1 : 0)));
            return b.array();
        }

        @Override
        public String describe() {
            return "task #" + taskSeq + " settled by clean-up certificate #" + certificateSeq + ", group of " + group.size()
                    + (penalised().isEmpty() ? "" : ", " + penalised().size() + " penalised");
        }
    }

    /** A task without a clean-up certificate past its expiry: its owner is refunded the payment less the burn, nobody is paid. */
    record TaskExpired(long taskSeq) implements LedgerRecord {
        public TaskExpired {
            if (taskSeq < 1) {
                throw new IllegalArgumentException("expiry: a task entry");
            }
        }

        @Override
        public int type() {
            return 12;
        }

        @Override
        public byte[] body() {
            return ByteBuffer.allocate(8).putLong(taskSeq).array();
        }

        @Override
        public String describe() {
            return "task #" + taskSeq + " expired, its owner refunded less the burn";
        }
    }

    /** Wei per token on the EVM ledger: 1 gwei. */
    long TOKEN_WEI = 1_000_000_000L;

    /** The body of a signed record: its terms, then the signature over them. */
    private static byte[] signed(byte[] terms, byte[] signature) {
        return ByteBuffer.allocate(terms.length + signature.length).put(terms).put(signature).array();
    }

    private static byte[] ed25519(byte[] secret, byte[] tag, byte[] terms) {
        byte[] m = ByteBuffer.allocate(tag.length + terms.length).put(tag).put(terms).array();
        byte[] sig = new byte[64];
        org.bouncycastle.math.ec.rfc8032.Ed25519.sign(secret, 0, m, 0, m.length, sig, 0);
        return sig;
    }

    private static boolean ed25519Valid(byte[] key, byte[] tag, byte[] terms, byte[] signature) {
        byte[] m = ByteBuffer.allocate(tag.length + terms.length).put(tag).put(terms).array();
        try {
            return org.bouncycastle.math.ec.rfc8032.Ed25519.verify(signature, 0, key, 0, m, 0, m.length);
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static byte[] verdicts(Verdict... vs) {
        int n = 2;
        for (Verdict v : vs) {
            n += 2 + v.encode().length;
        }
        ByteBuffer b = ByteBuffer.allocate(n).putShort((short) vs.length);
        for (Verdict v : vs) {
            byte[] e = v.encode();
            b.putShort((short) e.length).put(e);
        }
        return b.array();
    }

    /** Printable ASCII and spaces only: what a log line and a re-encoding keep byte for byte. */
    private static boolean printable(String s) {
        return s.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, 8)) + "..";
    }
}
