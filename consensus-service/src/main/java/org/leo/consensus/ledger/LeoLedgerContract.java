package org.leo.consensus.ledger;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.leo.consensus.quorum.RoundId;
import org.web3j.abi.EventEncoder;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Event;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.Hash;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.utils.Numeric;

/**
 * The ABI of {@code src/main/solidity/LeoLedger.sol}, written by hand over web3j's encoders (the contract
 * has about twenty functions and one event we read; a generated wrapper would be larger than this file).
 * The build compiles the contract into {@code LeoLedger.bin} beside this class; {@link #deploy} sends it.
 */
final class LeoLedgerContract {
    /** The contract's VERSION, also the hash chain's domain tag. */
    static final String VERSION = "leo-ledger-v1";
    /** The contract's MAX_BODY_BYTES. */
    static final int MAX_BODY_BYTES = 65536;
    private static final String BYTECODE = "LeoLedger.bin";
    private static final int CREDIT_PAGE = 500;

    @SuppressWarnings("rawtypes")
    private static final Event APPENDED = new Event("Appended", List.<TypeReference<?>>of(new TypeReference<Uint64>(true) {
    }, new TypeReference<Uint8>() {
    }, new TypeReference<DynamicBytes>() {
    }, new TypeReference<Bytes32>() {
    }));
    static final String APPENDED_TOPIC = EventEncoder.encode(APPENDED);

    /** One Appended event: entry {@code seq} as the contract recorded it, in block {@code block}. */
    record Appended(long seq, int type, byte[] body, byte[] hash, long block) {
    }

    private final EvmAccount account;
    private final String address;

    private LeoLedgerContract(EvmAccount account, String address) {
        this.account = account;
        this.address = address;
    }

    /** The contract at {@code address}, after checking that a LeoLedger of this version is there. */
    static LeoLedgerContract at(EvmAccount account, String address) {
        if (account.code(address).replace("0x", "").isEmpty()) {
            throw new IllegalStateException("no contract at " + address);
        }
        LeoLedgerContract c = new LeoLedgerContract(account, address);
        String version;
        try {
            version = (String) c.view("VERSION", account.blockNumber(), List.of(), TypeReference.create(Utf8String.class)).get(0).getValue();
        } catch (RuntimeException e) {
            throw new IllegalStateException("the contract at " + address + " is not a LeoLedger: " + e.getMessage(), e);
        }
        if (!VERSION.equals(version)) {
            throw new IllegalStateException("the contract at " + address + " is version " + version + ", expected " + VERSION);
        }
        return c;
    }

    /** Deploys the compiled contract from {@code account}, its owner and first appliance account; the receipt names its address. */
    static TransactionReceipt deploy(EvmAccount account) {
        String bytecode;
        try (InputStream in = LeoLedgerContract.class.getResourceAsStream(BYTECODE)) {
            if (in == null) {
                throw new IllegalStateException(BYTECODE + " is not on the class path: the build compiles it with npm solc (node and npm missing?)");
            }
            bytecode = "0x" + new String(in.readAllBytes(), StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + BYTECODE + ": " + e.getMessage(), e);
        }
        return account.send(null, bytecode);
    }

    String address() {
        return address;
    }

    /**
     * Appends the record as the next entry: the contract assigns its seq and computes its hash, both in the
     * receipt's Appended event ({@link #appended(TransactionReceipt)}). A revert is an IllegalArgumentException with the reason.
     */
    TransactionReceipt append(int type, byte[] body) {
        return account.send(address, FunctionEncoder.encode(new Function("append", List.of(new Uint8(type), new DynamicBytes(body)), List.of())));
    }

    /** Deposits {@code tokens} for {@code member} ({@code tokens} x {@link LedgerRecord#TOKEN_WEI} wei): the contract appends TokensDeposited. */
    TransactionReceipt deposit(byte[] member, long tokens) {
        return account.send(address, FunctionEncoder.encode(new Function("deposit", List.of(new Bytes32(member)), List.of())),
                BigInteger.valueOf(tokens).multiply(BigInteger.valueOf(LedgerRecord.TOKEN_WEI)));
    }

    /** Withdraws {@code tokens} of {@code member}'s balance to this account (the member's): the contract appends TokensWithdrawn. */
    TransactionReceipt withdraw(byte[] member, long tokens) {
        return account.send(address, FunctionEncoder.encode(new Function("withdraw", List.of(new Bytes32(member), new Uint64(tokens)), List.of())));
    }

    /** Owner only: lets {@code appliance} append. */
    TransactionReceipt admitAccount(String appliance) {
        return account.send(address, FunctionEncoder.encode(new Function("admitAccount", List.of(new Address(appliance)), List.of())));
    }

    /** Owner only: stops {@code appliance} from appending. */
    TransactionReceipt removeAccount(String appliance) {
        return account.send(address, FunctionEncoder.encode(new Function("removeAccount", List.of(new Address(appliance)), List.of())));
    }

    /** The last entry's seq as of block {@code block}. */
    long seq(long block) {
        return ((BigInteger) view("seq", block, List.of(), TypeReference.create(Uint64.class)).get(0).getValue()).longValueExact();
    }

    /** The last entry's hash as of block {@code block}. */
    byte[] head(long block) {
        return (byte[]) view("head", block, List.of(), TypeReference.create(Bytes32.class)).get(0).getValue();
    }

    /** The seq of the certificate recorded for {@code round} as of block {@code block}, 0 if none. */
    long certificateOfRound(RoundId round, long block) {
        return ((BigInteger) view("certificateOfRound", block, List.of(new Bytes32(Hash.sha3(java.util.Arrays.copyOfRange(round.encode(), 32, RoundId.ENCODED_BYTES)))), TypeReference.create(Uint64.class))
                .get(0).getValue()).longValueExact();
    }

    long deployBlock(long block) {
        return ((BigInteger) view("deployBlock", block, List.of(), TypeReference.create(Uint256.class)).get(0).getValue()).longValueExact();
    }

    /** Every member's credit as the contract holds it in block {@code block}, by member key (hex). */
    Map<String, Long> credits(long block) {
        return perMember("credits", block);
    }

    /** Every member's token balance that is not zero, as the contract holds it in block {@code block}, by member key (hex). */
    Map<String, Long> balances(long block) {
        Map<String, Long> out = perMember("balances", block);
        out.values().removeIf(v -> v == 0);
        return out;
    }

    /** The token totals as the contract holds them in block {@code block} (balances: the sum of {@link #balances}). */
    LedgerRules.Tokens tokens(long block) {
        long[] t = new long[4];
        String[] names = {"deposited", "escrowed", "burned", "withdrawn"};
        for (int i = 0; i < names.length; i++) {
            t[i] = ((BigInteger) view(names[i], block, List.of(), TypeReference.create(Uint64.class)).get(0).getValue()).longValueExact();
        }
        long balances = balances(block).values().stream().mapToLong(Long::longValue).sum();
        return new LedgerRules.Tokens(t[0], balances, t[1], t[2], t[3]);
    }

    /** The EVM account {@code member} withdraws to, 20 zero bytes if none, as of block {@code block}. */
    byte[] accountOf(byte[] member, long block) {
        String a = (String) view("accountOf", block, List.of(new Bytes32(member)), TypeReference.create(Address.class)).get(0).getValue();
        return Numeric.hexStringToByteArray(Numeric.toHexStringNoPrefixZeroPadded(Numeric.toBigInt(a), 40));
    }

    /** Whether {@code appliance} is an admitted appliance account as of block {@code block}. */
    boolean admitted(String appliance, long block) {
        return (Boolean) view("admitted", block, List.of(new Address(appliance)), TypeReference.create(org.web3j.abi.datatypes.Bool.class)).get(0)
                .getValue();
    }

    /** The wei the contract holds as of block {@code block}. */
    BigInteger weiHeld(long block) {
        return account.weiBalance(address, block);
    }

    private Map<String, Long> perMember(String function, long block) {
        Map<String, Long> out = new HashMap<>();
        for (long from = 0; ; from += CREDIT_PAGE) {
            List<Type<?>> r = view(function, block, List.of(new Uint256(from), new Uint256(CREDIT_PAGE)), new TypeReference<DynamicArray<Bytes32>>() {
            }, new TypeReference<DynamicArray<Uint64>>() {
            });
            List<?> keys = ((DynamicArray<?>) r.get(0)).getValue();
            List<?> amounts = ((DynamicArray<?>) r.get(1)).getValue();
            for (int i = 0; i < keys.size(); i++) {
                out.put(HexFormat.of().formatHex(((Bytes32) keys.get(i)).getValue()), ((Uint64) amounts.get(i)).getValue().longValueExact());
            }
            if (keys.size() < CREDIT_PAGE) {
                return out;
            }
        }
    }

    /** The Appended events of blocks {@code from..to}, in chain order. */
    List<Appended> appended(long from, long to) {
        List<Appended> out = new ArrayList<>();
        for (Log log : account.logs(address, APPENDED_TOPIC, from, to)) {
            out.add(decode(log));
        }
        return out;
    }

    /** The Appended events this contract emitted in one transaction. */
    List<Appended> appended(TransactionReceipt receipt) {
        return receipt.getLogs().stream()
                .filter(l -> l.getAddress().equalsIgnoreCase(address) && !l.getTopics().isEmpty() && APPENDED_TOPIC.equals(l.getTopics().get(0)))
                .map(LeoLedgerContract::decode).toList();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Appended decode(Log log) {
        List<Type> data = FunctionReturnDecoder.decode(log.getData(), (List) APPENDED.getNonIndexedParameters());
        long seq = Numeric.toBigInt(log.getTopics().get(1)).longValueExact();
        return new Appended(seq, ((BigInteger) data.get(0).getValue()).intValueExact(), (byte[]) data.get(1).getValue(),
                (byte[]) data.get(2).getValue(), log.getBlockNumber().longValueExact());
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private List<Type<?>> view(String name, long block, List<Type> inputs, TypeReference<?>... outputs) {
        Function f = new Function(name, inputs, (List) List.of(outputs));
        List<Type> out = FunctionReturnDecoder.decode(account.call(address, FunctionEncoder.encode(f), block), f.getOutputParameters());
        if (out.size() != outputs.length) {
            throw new IllegalStateException(name + "() at " + address + " returned " + out.size() + " values, expected " + outputs.length);
        }
        return (List<Type<?>>) (List) out;
    }
}
