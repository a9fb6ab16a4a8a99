package org.leo.consensus.ledger;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * One account on an EVM chain, over any JSON-RPC endpoint: signed EIP-155 transactions that return
 * once mined, calls and event logs. The transport under {@link LeoLedgerContract}; it knows no ABI.
 *
 * <p>A transaction the chain would revert is refused before it is sent (eth_estimateGas runs it), as an
 * {@link IllegalArgumentException} carrying the revert reason, so a refusal costs no gas. One that passed
 * the estimate and then reverted in its block (another account's transaction earlier in the block changed
 * the state, e.g. took the round's certificate) is refused the same way, at the gas it used: the reason
 * is that of the same call replayed on the state at the end of that block.
 */
final class EvmAccount implements AutoCloseable {
    private static final Duration RECEIPT_POLL = Duration.ofMillis(100);
    /** Error(string), the selector of a Solidity revert reason. */
    private static final String ERROR_SELECTOR = "0x08c379a0";

    private final Web3j web3j;
    /** Signs with the account's key and polls for receipts until the timeout. */
    private final RawTransactionManager transactions;
    private final PollingTransactionReceiptProcessor receipts;

    private EvmAccount(Web3j web3j, Credentials credentials, long chainId, Duration receiptTimeout) {
        this.web3j = web3j;
        this.receipts = new PollingTransactionReceiptProcessor(web3j, RECEIPT_POLL.toMillis(),
                (int) Math.max(1, receiptTimeout.toMillis() / RECEIPT_POLL.toMillis()));
        this.transactions = new RawTransactionManager(web3j, credentials, chainId, receipts);
    }

    /** Connects and checks that the endpoint serves chain {@code chainId}. */
    static EvmAccount connect(URI rpc, long chainId, String privateKeyHex, Duration receiptTimeout) {
        Web3j web3j = Web3j.build(new HttpService(rpc.toString()));
        try {
            BigInteger served = check(web3j.ethChainId().send(), "eth_chainId").getChainId();
            if (served.longValueExact() != chainId) {
                throw new IllegalStateException("the endpoint " + rpc + " serves chain " + served + ", the configuration says " + chainId);
            }
            return new EvmAccount(web3j, Credentials.create(privateKeyHex), chainId, receiptTimeout);
        } catch (IOException | RuntimeException e) {
            web3j.shutdown();
            throw e instanceof RuntimeException r ? r : new IllegalStateException("cannot reach " + rpc + ": " + e.getMessage(), e);
        }
    }

    /** This account's address, 0x and 40 lower-case hex digits. */
    String address() {
        return transactions.getFromAddress();
    }

    /** Sends a transaction ({@code to == null}: a contract creation) and returns its receipt once it is mined. */
    TransactionReceipt send(String to, String data) {
        return send(to, data, BigInteger.ZERO);
    }

    /** {@link #send(String, String)} with {@code wei} attached. */
    TransactionReceipt send(String to, String data, BigInteger wei) {
        try {
            Transaction probe = to == null ? Transaction.createContractTransaction(address(), null, null, data)
                    : Transaction.createFunctionCallTransaction(address(), null, null, null, to, wei, data);
            EthEstimateGas estimate = web3j.ethEstimateGas(probe).send();
            if (estimate.hasError()) {
                throw new IllegalArgumentException(reason(estimate.getError()));
            }
            BigInteger gas = estimate.getAmountUsed();
            BigInteger gasPrice = check(web3j.ethGasPrice().send(), "eth_gasPrice").getGasPrice();
            EthSendTransaction sent = transactions.sendTransaction(gasPrice, gas.add(gas.divide(BigInteger.valueOf(5))), to, data,
                    wei, to == null);
            if (sent.hasError()) {
                throw new IllegalStateException("the node refused the transaction: " + sent.getError().getMessage());
            }
            TransactionReceipt receipt = receipts.waitForTransactionReceipt(sent.getTransactionHash());
            if (!receipt.isStatusOK()) {
                throw reverted(receipt, to, data);
            }
            return receipt;
        } catch (IOException | TransactionException e) {
            throw new IllegalStateException("transaction to " + (to == null ? "a new contract" : to) + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Why a mined transaction reverted: the revert reason of the same call on the state its block left (an
     * IllegalArgumentException, a refusal), or an IllegalStateException if that call succeeds or the
     * transaction was a contract creation (out of gas, or a state that changed within the block).
     */
    private RuntimeException reverted(TransactionReceipt receipt, String to, String data) {
        String what = "transaction " + receipt.getTransactionHash() + " reverted in block " + receipt.getBlockNumber() + " (" + receipt.getGasUsed()
                + " gas)";
        if (to == null) {
            return new IllegalStateException(what);
        }
        try {
            call(to, data, receipt.getBlockNumber().longValueExact());
        } catch (IllegalArgumentException refused) {
            return new IllegalArgumentException(refused.getMessage() + " (" + what + ")", refused);
        } catch (IllegalStateException unknown) {
            return new IllegalStateException(what + "; replaying it failed: " + unknown.getMessage(), unknown);
        }
        return new IllegalStateException(what + ", and the same call succeeds on the state after that block");
    }

    /** eth_call at block {@code block}; a revert is an IllegalArgumentException with its reason. */
    String call(String to, String data, long block) {
        try {
            EthCall r = web3j.ethCall(Transaction.createEthCallTransaction(address(), to, data), block(block)).send();
            if (r.hasError()) {
                throw new IllegalArgumentException(reason(r.getError()));
            }
            if (r.isReverted()) {
                throw new IllegalArgumentException("execution reverted: " + r.getRevertReason());
            }
            return r.getValue();
        } catch (IOException e) {
            throw new IllegalStateException("eth_call to " + to + " failed: " + e.getMessage(), e);
        }
    }

    /** The logs of {@code address} with first topic {@code topic} in blocks {@code from..to}, in chain order. */
    List<Log> logs(String address, String topic, long from, long to) {
        try {
            EthFilter filter = new EthFilter(block(from), block(to), address).addSingleTopic(topic);
            EthLog r = check(web3j.ethGetLogs(filter).send(), "eth_getLogs");
            return r.getLogs().stream().map(l -> (Log) l.get()).toList();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getLogs " + from + ".." + to + " failed: " + e.getMessage(), e);
        }
    }

    /** The wei held by {@code address} as of block {@code block}. */
    BigInteger weiBalance(String address, long block) {
        try {
            return check(web3j.ethGetBalance(address, block(block)).send(), "eth_getBalance").getBalance();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getBalance failed: " + e.getMessage(), e);
        }
    }

    long blockNumber() {
        try {
            return check(web3j.ethBlockNumber().send(), "eth_blockNumber").getBlockNumber().longValueExact();
        } catch (IOException e) {
            throw new IllegalStateException("eth_blockNumber failed: " + e.getMessage(), e);
        }
    }

    /** The code deployed at {@code address}, "0x" if none. */
    String code(String address) {
        try {
            return check(web3j.ethGetCode(address, DefaultBlockParameterName.LATEST).send(), "eth_getCode").getCode();
        } catch (IOException e) {
            throw new IllegalStateException("eth_getCode failed: " + e.getMessage(), e);
        }
    }

    private static DefaultBlockParameter block(long n) {
        return DefaultBlockParameter.valueOf(BigInteger.valueOf(n));
    }

    private static <T extends Response<?>> T check(T response, String method) {
        if (response.hasError()) {
            throw new IllegalStateException(method + ": " + response.getError().getMessage());
        }
        return response;
    }

    /** The node's message, with the Solidity reason decoded from the error data if the message lacks it. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static String reason(Response.Error error) {
        String data = error.getData();
        if (data != null && data.startsWith(ERROR_SELECTOR) && !error.getMessage().contains(":")) {
            List<Type> decoded = FunctionReturnDecoder.decode(data.substring(ERROR_SELECTOR.length()),
                    (List) List.of(TypeReference.create(Utf8String.class)));
            if (!decoded.isEmpty()) {
                return "execution reverted: " + decoded.get(0).getValue();
            }
        }
        return error.getMessage();
    }

    @Override
    public void close() {
        web3j.shutdown();
    }
}
