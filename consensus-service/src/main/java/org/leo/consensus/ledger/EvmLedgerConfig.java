package org.leo.consensus.ledger;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the fleet's EVM ledger is and who this appliance is on it.
 *
 * @param rpc            any EVM JSON-RPC endpoint (http or https)
 * @param chainId        the chain the endpoint must serve (EIP-155; the transactions are signed for it)
 * @param privateKey     the appliance account's secp256k1 key, 64 hex digits (a secret: never logged)
 * @param contract       the LeoLedger contract's address
 * @param receiptTimeout how long an append waits for its transaction to be mined
 * @param logBlockSpan   blocks per eth_getLogs request (public providers cap the range, often at 10,000)
 */
public record EvmLedgerConfig(URI rpc, long chainId, String privateKey, String contract, Duration receiptTimeout, int logBlockSpan) {
    public static final Duration DEFAULT_RECEIPT_TIMEOUT = Duration.ofSeconds(120);
    public static final int DEFAULT_LOG_BLOCK_SPAN = 10_000;
    private static final Pattern ADDRESS = Pattern.compile("0x[0-9a-fA-F]{40}");
    private static final Pattern KEY = Pattern.compile("(0x)?[0-9a-fA-F]{64}");

    public EvmLedgerConfig {
        Objects.requireNonNull(rpc, "rpc");
        if (!"http".equals(rpc.getScheme()) && !"https".equals(rpc.getScheme())) {
            throw new IllegalArgumentException("EVM ledger rpc " + rpc + ": expected an http or https URL");
        }
        if (privateKey == null || !KEY.matcher(privateKey).matches()) {
            throw new IllegalArgumentException("EVM ledger private key: expected 64 hex digits");
        }
        if (contract == null || !ADDRESS.matcher(contract).matches()) {
            throw new IllegalArgumentException("EVM ledger contract " + contract + ": expected 0x and 40 hex digits");
        }
        if (chainId <= 0 || receiptTimeout.isNegative() || receiptTimeout.isZero() || logBlockSpan <= 0) {
            throw new IllegalArgumentException("EVM ledger: chain id, receipt timeout and log block span must be positive");
        }
    }

    public EvmLedgerConfig(URI rpc, long chainId, String privateKey, String contract) {
        this(rpc, chainId, privateKey, contract, DEFAULT_RECEIPT_TIMEOUT, DEFAULT_LOG_BLOCK_SPAN);
    }

    /** The appliance account's address (0x and 40 hex digits, lower case), derived from the key. */
    public String account() {
        return accountOf(privateKey);
    }

    /** The address of the account whose secp256k1 key is {@code privateKey} (64 hex digits, optionally 0x). */
    public static String accountOf(String privateKey) {
        if (privateKey == null || !KEY.matcher(privateKey).matches()) {
            throw new IllegalArgumentException("EVM private key: expected 64 hex digits");
        }
        return org.web3j.crypto.Credentials.create(privateKey).getAddress();
    }

    @Override
    public String toString() {
        return "EvmLedgerConfig[rpc=" + rpc + ", chainId=" + chainId + ", contract=" + contract + ", receiptTimeout=" + receiptTimeout
                + ", logBlockSpan=" + logBlockSpan + "]";
    }
}
