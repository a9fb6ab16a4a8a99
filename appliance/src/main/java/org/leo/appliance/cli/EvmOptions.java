package org.leo.appliance.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import org.leo.consensus.ledger.EvmLedgerConfig;
import picocli.CommandLine.Option;

/**
 * Where the fleet's EVM ledger is ({@code --evm-rpc}, {@code --evm-chain-id}, {@code --evm-contract})
 * and who this appliance is on it ({@code --evm-key-file}); shared by {@code leo ledger} and
 * {@code leo pxe serve --fleet}. Without {@code --evm-rpc} the ledger is the embedded one.
 */
public class EvmOptions {
    @Option(names = "--evm-rpc", paramLabel = "URL",
            description = "The fleet's ledger is the LeoLedger contract on this EVM JSON-RPC endpoint (http or https) instead of the "
                    + "embedded ledger. Default: none (embedded).")
    URI rpc;

    @Option(names = "--evm-chain-id", paramLabel = "ID",
            description = "The chain the endpoint must serve (EIP-155; transactions are signed for it). Required with --evm-rpc.")
    Long chainId;

    @Option(names = "--evm-contract", paramLabel = "ADDRESS", description = "The LeoLedger contract's address (0x and 40 hex digits).")
    String contract;

    @Option(names = "--evm-key-file", paramLabel = "FILE",
            description = "A file holding this appliance account's secp256k1 private key (64 hex digits, readable by root only). "
                    + "Needed to append; reading works without it.")
    Path keyFile;

    /** Whether the EVM ledger is chosen. */
    boolean enabled() {
        return rpc != null;
    }

    /** What is missing for the EVM ledger, naming the options; {@code appends}: this command writes to the chain. */
    Optional<String> problem(boolean appends, boolean needsContract) {
        if (rpc == null) {
            return Optional.of("--evm-rpc URL is required");
        }
        if (chainId == null) {
            return Optional.of("--evm-rpc needs --evm-chain-id (the chain the endpoint serves)");
        }
        if (needsContract && contract == null) {
            return Optional.of("--evm-rpc needs --evm-contract (the LeoLedger address 'leo ledger deploy' printed)");
        }
        if (appends && keyFile == null) {
            return Optional.of("writing to the EVM ledger needs --evm-key-file (this appliance account's private key)");
        }
        return Optional.empty();
    }

    /** The private key from {@code --evm-key-file}, or, to read only, a throw-away one. */
    String privateKey() throws IOException {
        if (keyFile == null) {
            byte[] k = new byte[32];
            new SecureRandom().nextBytes(k);
            return HexFormat.of().formatHex(k);
        }
        return readKey(keyFile);
    }

    static String readKey(Path file) throws IOException {
        String k = Files.readString(file, StandardCharsets.US_ASCII).strip();
        if (!k.matches("(0x)?[0-9a-fA-F]{64}")) {
            throw new IOException(file + ": expected a secp256k1 private key, 64 hex digits");
        }
        return k;
    }

    EvmLedgerConfig config() throws IOException {
        return new EvmLedgerConfig(rpc, chainId, privateKey(), contract);
    }

    String describe() {
        return "EVM ledger " + contract + " at " + rpc + " (chain " + chainId + ")";
    }
}
