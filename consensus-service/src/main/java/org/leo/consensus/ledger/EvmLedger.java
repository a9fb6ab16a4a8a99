package org.leo.consensus.ledger;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/**
 * The fleet's ledger on an EVM chain: the LeoLedger contract ({@code src/main/solidity/LeoLedger.sol})
 * keeps the chain's head and seq, assigns each appended record the next seq, computes its hash exactly
 * as {@link LedgerEntry} does, applies the rules of {@link LedgerRules} and emits one Appended event per
 * entry. This class appends by signed transactions and reads everything back from those events.
 *
 * <p>Durable means mined: {@link #append} returns once its transaction's receipt is in a block (as
 * durable as the chain's finality: at once on anvil or a single-sequencer chain). Append then reads its
 * entry from the receipt's Appended event, checks that it holds the record sent, catches up with every
 * entry before it (other appliances') and recomputes its hash from the one before: the contract's hash
 * must equal this replay's.
 *
 * <p>Trust per field of an event: seq, type, body and hash are what the contract recorded. This class
 * takes no hash on trust: it recomputes each from the body and the previous entry, decodes every body
 * ({@link LedgerCodec}) and replays the rules over the records; {@link #verifyChain()} also compares
 * that replay with the contract's own head and credit, all as of one block.
 *
 * <p>Several appliances may append to one contract at once (each an admitted account): the contract
 * orders the transactions of a block into consecutive entries, so appends from different appliances
 * share blocks instead of taking turns. Each appliance reads the others' entries from the events before
 * it appends or reads. An append is never retried here: the rules are checked first against this
 * replay, and a record the contract still refuses (another appliance's entry, in the same block,
 * changed the state: a second certificate for a round) is an IllegalArgumentException with the
 * contract's reason.
 */
public final class EvmLedger implements Ledger {
    private static final Logger LOG = LoggerFactory.getLogger(EvmLedger.class);
    private static final int MAX_QUERY_ROWS = 10_000;

    private final EvmAccount account;
    private final LeoLedgerContract contract;
    private final int logBlockSpan;
    private final long deployBlock;
    private final Replay replay = new Replay();
    /** blocks[seq]: the block entry seq is in, so {@link #entries} asks for a narrow range of blocks. */
    private long[] blocks = new long[1024];
    private long scannedBlock;
    private long lastGasUsed;

    private EvmLedger(EvmAccount account, LeoLedgerContract contract, int logBlockSpan) {
        this.account = account;
        this.contract = contract;
        this.logBlockSpan = logBlockSpan;
        this.deployBlock = contract.deployBlock(account.blockNumber());
        this.scannedBlock = deployBlock - 1;
    }

    /** Connects, checks the chain id and the contract, and replays every entry; refuses a chain that does not verify. */
    public static EvmLedger open(EvmLedgerConfig config) {
        EvmAccount account = EvmAccount.connect(config.rpc(), config.chainId(), config.privateKey(), config.receiptTimeout());
        try {
            EvmLedger l = new EvmLedger(account, LeoLedgerContract.at(account, config.contract()), config.logBlockSpan());
            l.sync();
            LOG.info("EVM ledger {} on chain {} as {}: {} entries, head {}", config.contract(), config.chainId(), account.address(),
                    l.headSeq(), HexFormat.of().formatHex(l.replay.headHash()));
            return l;
        } catch (RuntimeException e) {
            account.close();
            throw e;
        }
    }

    /**
     * Deploys a new LeoLedger from the key's account, which becomes its owner and first appliance account;
     * returns the contract's address (for the configuration of every appliance of the fleet).
     */
    public static String deploy(URI rpc, long chainId, String privateKey) {
        try (EvmAccount a = EvmAccount.connect(rpc, chainId, privateKey, EvmLedgerConfig.DEFAULT_RECEIPT_TIMEOUT)) {
            return LeoLedgerContract.deploy(a).getContractAddress();
        }
    }

    /** The owner's operation: lets another appliance account append. */
    public synchronized void admitAccount(String address) {
        contract.admitAccount(address);
    }

    /** The owner's operation: stops an appliance account from appending (its entries stay). */
    public synchronized void removeAccount(String address) {
        contract.removeAccount(address);
    }

    /**
     * Appends by one transaction and returns the entry the contract made of it (its seq may be later than
     * this replay's head + 1: other appliances' entries can come first, in the same block or before).
     * Refused, as an IllegalArgumentException with the reason: a record this replay's rules refuse (no
     * transaction is sent) or the contract refuses. An IllegalStateException if the chain disagrees with
     * this replay (the entry's event lacks the record sent, or its hash does not chain from the entry
     * before it).
     */
    @Override
    public synchronized LedgerEntry append(LedgerRecord record) {
        sync();
        long head = headSeq();
        byte[] body = record.body();
        if (body.length > LeoLedgerContract.MAX_BODY_BYTES) {
            throw new IllegalArgumentException("ledger append #" + (head + 1) + " refused: a body of " + body.length
                    + " bytes, the EVM ledger takes at most " + LeoLedgerContract.MAX_BODY_BYTES);
        }
        replay.rules.refusal(head + 1, record).ifPresent(reason -> {
            throw new IllegalArgumentException("ledger append #" + (head + 1) + " refused: " + reason);
        });
        TransactionReceipt receipt;
        try {
            receipt = send(record);
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("ledger append after #" + head + " refused by the contract: " + refused.getMessage(), refused);
        }
        LedgerEntry e = readBack(receipt, record);
        lastGasUsed = receipt.getGasUsed().longValueExact();
        LOG.info("ledger: {} (block {}, {} gas)", e, receipt.getBlockNumber(), lastGasUsed);
        return e;
    }

    /** Token records are the contract's deposit() and withdraw(), which append them; every other record is an append(). */
    private TransactionReceipt send(LedgerRecord record) {
        if (record instanceof LedgerRecord.TokensDeposited d) {
            byte[] expected = depositAccount(HexFormat.of().formatHex(d.member()));
            if (!Arrays.equals(d.account(), expected)) {
                throw new IllegalArgumentException("the contract names account 0x" + HexFormat.of().formatHex(expected) + " in this deposit, not 0x"
                        + HexFormat.of().formatHex(d.account()));
            }
            return contract.deposit(d.member(), d.amount());
        }
        if (record instanceof LedgerRecord.TokensWithdrawn w) {
            if (!Arrays.equals(w.account(), accountBytes())) {
                throw new IllegalArgumentException("only the member's account withdraws: this appliance's account is " + account.address());
            }
            return contract.withdraw(w.member(), w.amount());
        }
        return contract.append(record.type(), record.body());
    }

    /** The account a deposit for the member names: its account, else this one's if admitted (the contract binds an unbound member to an admitted depositor). */
    private byte[] depositAccount(String member) {
        byte[] bound = replay.rules.account(member);
        if (!Arrays.equals(bound, TaskBook.NO_ACCOUNT)) {
            return bound;
        }
        return contract.admitted(account.address(), account.blockNumber()) ? accountBytes() : TaskBook.NO_ACCOUNT.clone();
    }

    private byte[] accountBytes() {
        return HexFormat.of().parseHex(account.address().substring(2));
    }

    @Override
    public synchronized LedgerEntry deposit(byte[] member, long amount) {
        sync();
        return append(new LedgerRecord.TokensDeposited(member, amount, depositAccount(HexFormat.of().formatHex(member))));
    }

    @Override
    public synchronized LedgerEntry withdraw(byte[] member, long amount) {
        return append(new LedgerRecord.TokensWithdrawn(member, amount, accountBytes()));
    }

    @Override
    public synchronized Map<String, Long> balances() {
        return contract.balances(account.blockNumber());
    }

    @Override
    public synchronized LedgerRules.Tokens tokens() {
        return contract.tokens(account.blockNumber());
    }

    /**
     * The entry {@code receipt}'s transaction appended: its Appended event must carry exactly {@code record},
     * and its hash must be the one this replay computes once it has caught up with every entry before it.
     */
    private LedgerEntry readBack(TransactionReceipt receipt, LedgerRecord record) {
        String tx = "transaction " + receipt.getTransactionHash();
        List<LeoLedgerContract.Appended> events = contract.appended(receipt);
        if (events.size() != 1) {
            throw new IllegalStateException("ledger append: " + tx + " emitted " + events.size() + " Appended events, expected 1");
        }
        LeoLedgerContract.Appended mine = events.get(0);
        if (mine.type() != record.type() || !Arrays.equals(mine.body(), record.body())) {
            throw new IllegalStateException("ledger append: " + tx + " recorded entry #" + mine.seq() + " as a record of type " + mine.type() + " and " + mine.body().length
                    + " bytes, not the one sent (type " + record.type() + ", " + record.body().length + " bytes)");
        }
        if (mine.block() <= scannedBlock) {
            throw new IllegalStateException("ledger append: " + tx + " recorded entry #" + mine.seq() + " in block " + mine.block()
                    + ", which this ledger had read (to block " + scannedBlock + ") before it sent the transaction");
        }
        LedgerEntry[] chained = new LedgerEntry[1];
        syncTo(mine.block(), a -> {
            if (a.seq() != mine.seq() || a.seq() != headSeq() + 1) {
                return; // another appliance's entry, or a gap the replay refuses
            }
            if (!Arrays.equals(a.hash(), mine.hash())) {
                throw new IllegalStateException("ledger append: the node's events hold entry #" + a.seq() + " with hash "
                        + HexFormat.of().formatHex(a.hash()) + ", the receipt of " + tx + " with hash " + HexFormat.of().formatHex(mine.hash()));
            }
            LedgerEntry e = LedgerEntry.chain(a.seq(), record, replay.headHash());
            if (!Arrays.equals(e.hash(), mine.hash())) {
                throw new IllegalStateException("ledger append: " + tx + " recorded entry #" + mine.seq() + " with hash "
                        + HexFormat.of().formatHex(mine.hash()) + ", but chained from entry #" + (mine.seq() - 1) + " it hashes to "
                        + HexFormat.of().formatHex(e.hash()));
            }
            chained[0] = e;
        });
        if (chained[0] == null) {
            throw new IllegalStateException("ledger append: " + tx + " recorded entry #" + mine.seq() + " in block " + mine.block()
                    + ", but the node's events up to that block end at #" + headSeq());
        }
        return chained[0];
    }

    /** The gas the last {@link #append} of this ledger used. */
    public synchronized long lastAppendGasUsed() {
        return lastGasUsed;
    }

    @Override
    public synchronized Optional<LedgerEntry> head() {
        sync();
        return Optional.ofNullable(replay.head);
    }

    @Override
    public synchronized List<LedgerEntry> entries(long fromSeq, int limit) {
        sync();
        long from = Math.max(1, fromSeq);
        long to = Math.min(headSeq(), from + Math.max(0, Math.min(limit, MAX_QUERY_ROWS)) - 1);
        List<LedgerEntry> out = new ArrayList<>();
        if (from > to) {
            return out;
        }
        byte[][] prev = {from == 1 ? GENESIS : null};
        scan(blocks[(int) Math.max(1, from - 1)], blocks[(int) to], a -> {
            if (a.seq() == from - 1) {
                prev[0] = a.hash();
            } else if (a.seq() >= from && a.seq() <= to && prev[0] != null) {
                byte[] hash = LedgerEntry.computeHash(a.seq(), a.type(), a.body(), prev[0]);
                if (!Arrays.equals(hash, a.hash())) {
                    throw new IllegalStateException("entry #" + a.seq() + " read back from the node hashes to " + HexFormat.of().formatHex(hash)
                            + ", not to its recorded hash");
                }
                out.add(new LedgerEntry(a.seq(), LedgerCodec.decode(a.type(), a.body()), prev[0], hash));
                prev[0] = hash;
            }
        });
        if (out.size() != to - from + 1) {
            throw new IllegalStateException("entries #" + from + "..#" + to + ": the node returned " + out.size() + " of them in order");
        }
        return out;
    }

    /** Every member's credit as the contract holds it (equal to the replay of the records: {@link #verifyChain()}). */
    @Override
    public synchronized Map<String, Long> credits() {
        return contract.credits(account.blockNumber());
    }

    @Override
    public synchronized Optional<String> verifyChain() {
        try {
            long block = account.blockNumber();
            Replay fresh = new Replay();
            scan(deployBlock, block, fresh::accept);
            return fresh.disagreement(contract, block);
        } catch (IllegalStateException | IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        account.close();
    }

    /** Reads the entries appended since the last look, up to the latest block. */
    private void sync() {
        syncTo(account.blockNumber(), a -> { });
    }

    /**
     * Reads the entries appended since the last look up to block {@code block}, showing each to {@code check}
     * before the replay takes it, and checks they end at the contract's seq and head as of that block.
     */
    private void syncTo(long block, Consumer<LeoLedgerContract.Appended> check) {
        if (block <= scannedBlock) {
            return;
        }
        long seq = contract.seq(block);
        if (seq != headSeq()) {
            scan(scannedBlock + 1, block, a -> {
                if (a.seq() > headSeq()) {
                    check.accept(a);
                    accept(a);
                }
            });
            replay.disagreement(seq, contract.head(block), block).ifPresent(problem -> {
                throw new IllegalStateException("EVM ledger " + contract.address() + ": " + problem);
            });
        }
        scannedBlock = block;
    }

    private void accept(LeoLedgerContract.Appended a) {
        replay.accept(a);
        if (a.seq() >= blocks.length) {
            blocks = Arrays.copyOf(blocks, (int) Math.max(blocks.length * 2L, a.seq() + 1));
        }
        blocks[(int) a.seq()] = a.block();
    }

    private void scan(long fromBlock, long toBlock, Consumer<LeoLedgerContract.Appended> each) {
        for (long b = fromBlock; b <= toBlock; b += logBlockSpan) {
            contract.appended(b, Math.min(toBlock, b + logBlockSpan - 1)).forEach(each);
        }
    }

    private long headSeq() {
        return replay.head == null ? 0 : replay.head.seq();
    }

    /** The chain walked from genesis: each event the next seq, its hash recomputed from its body, its record decoded and within the rules. */
    private static final class Replay {
        final LedgerRules rules = new LedgerRules();
        LedgerEntry head;

        byte[] headHash() {
            return head == null ? GENESIS.clone() : head.hash();
        }

        void accept(LeoLedgerContract.Appended a) {
            long expected = head == null ? 1 : head.seq() + 1;
            if (a.seq() != expected) {
                throw new IllegalStateException("entry #" + expected + " is missing from the events (the next is #" + a.seq() + ")");
            }
            byte[] prev = headHash();
            byte[] hash = LedgerEntry.computeHash(a.seq(), a.type(), a.body(), prev);
            if (!Arrays.equals(hash, a.hash())) {
                throw new IllegalStateException("entry #" + a.seq() + " hashes to " + HexFormat.of().formatHex(hash) + ", the contract recorded "
                        + HexFormat.of().formatHex(a.hash()));
            }
            LedgerEntry entry;
            try {
                entry = new LedgerEntry(a.seq(), LedgerCodec.decode(a.type(), a.body()), prev, hash);
                rules.apply(entry);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("entry #" + a.seq() + " is not a valid record: " + e.getMessage(), e);
            }
            head = entry;
        }

        /** How the contract's seq and head (as of {@code block}) differ from this replay's, or empty. */
        Optional<String> disagreement(long seq, byte[] onChainHead, long block) {
            long mine = head == null ? 0 : head.seq();
            if (seq != mine) {
                return Optional.of("the contract is at entry #" + seq + " in block " + block + ", its events end at #" + mine);
            }
            if (!Arrays.equals(onChainHead, headHash())) {
                return Optional.of("the contract's head is " + HexFormat.of().formatHex(onChainHead) + ", its events chain to "
                        + HexFormat.of().formatHex(headHash()));
            }
            return Optional.empty();
        }

        /** {@link #disagreement(long, byte[], long)} with the contract's head, then its credit against the replayed rules'. */
        Optional<String> disagreement(LeoLedgerContract contract, long block) {
            Optional<String> h = disagreement(contract.seq(block), contract.head(block), block);
            if (h.isPresent()) {
                return h;
            }
            Map<String, Long> onChain = contract.credits(block);
            Map<String, Long> replayed = rules.credits();
            if (!onChain.equals(replayed)) {
                return Optional.of("the contract's credit " + onChain + " differs from the records' " + replayed);
            }
            Map<String, Long> balances = contract.balances(block);
            if (!balances.equals(rules.balances())) {
                return Optional.of("the contract's token balances " + balances + " differ from the records' " + rules.balances());
            }
            LedgerRules.Tokens tokens = contract.tokens(block);
            if (!tokens.equals(rules.tokens())) {
                return Optional.of("the contract's token totals " + tokens + " differ from the records' " + rules.tokens());
            }
            java.math.BigInteger held = contract.weiHeld(block);
            java.math.BigInteger owed = java.math.BigInteger.valueOf(tokens.deposited() - tokens.withdrawn())
                    .multiply(java.math.BigInteger.valueOf(LedgerRecord.TOKEN_WEI));
            return held.equals(owed) ? Optional.empty()
                    : Optional.of("the contract holds " + held + " wei, its deposits less its withdrawals are " + owed + " wei");
        }
    }
}
