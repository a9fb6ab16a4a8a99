package org.leo.consensus.ledger;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The fleet's ledger of attestation records: members and their keys, reference values,
 * certificates, equivocation evidence and credit; services, tasks and their tokens. Append-only and hash-chained; an append returns
 * only once the record is durable. Two implementations that agree on every hash and every credit:
 * {@link EmbeddedLedger} (SQLite, one appliance or a lab) and {@link EvmLedger} (a contract on an EVM
 * chain, the fleet's).
 */
public interface Ledger extends AutoCloseable {
    /** The 32 bytes every entry's hash chains from. */
    byte[] GENESIS = new byte[32];

    /**
     * Appends durably and returns the entry (its sequence number and hash). A record the ledger's rules
     * refuse ({@link LedgerRules}: credit, membership) is an IllegalArgumentException and is not appended.
     */
    LedgerEntry append(LedgerRecord record);

    /** The latest entry, empty for a new ledger. */
    Optional<LedgerEntry> head();

    /** The head's hash, or {@link #GENESIS}: what the next round's sortition draws from. */
    default byte[] headHash() {
        return head().map(LedgerEntry::hash).orElse(GENESIS.clone());
    }

    /** Up to {@code limit} entries from sequence number {@code fromSeq} on, oldest first. */
    List<LedgerEntry> entries(long fromSeq, int limit);

    /** Every admitted member's current credit, by member key (hex). */
    Map<String, Long> credits();

    /** Every member's token balance that is not zero, by member key (hex): tokens, apart from credit (docs/tasks.md). */
    Map<String, Long> balances();

    /** The token totals: deposited = balances + escrowed + burned + withdrawn. */
    LedgerRules.Tokens tokens();

    /**
     * Credits {@code amount} tokens to member {@code member}'s balance and returns the TokensDeposited entry: on the EVM
     * ledger for {@code amount} x {@link LedgerRecord#TOKEN_WEI} wei of this appliance's account; on the embedded
     * ledger as its operator's bookkeeping.
     */
    LedgerEntry deposit(byte[] member, long amount);

    /** Pays {@code amount} tokens of the member's balance out to its account (on the EVM ledger, only that account may). */
    LedgerEntry withdraw(byte[] member, long amount);

    /** Recomputes the chain from the first entry; the first problem, or empty. */
    Optional<String> verifyChain();

    @Override
    void close();
}
