package org.leo.consensus.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.leo.boot.testing.ChildProcess;

/**
 * A private EVM dev chain for one test: anvil from the npm package {@code @foundry-rs/anvil} that the
 * build installs into {@code consensus-service/node_modules} (package-lock.json), started on a free
 * loopback port as a child of the test JVM, ready when it answers eth_chainId, stopped by its PID.
 * Blocks are mined on every transaction (automine), so a receipt is there when the send returns, until
 * {@link #intervalMining} switches to a block every so many seconds. Public for the fleet's round
 * latency benchmark.
 */
public final class AnvilProcess implements AutoCloseable {
    /** anvil's chain id unless told otherwise. */
    public static final long CHAIN_ID = 31337;
    /**
     * anvil's ten dev accounts, 0..9 (the well-known "test test ... junk" mnemonic, as anvil prints them at
     * start): public test keys, never funded elsewhere.
     */
    public static final List<String> DEV_KEYS = List.of(
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
            "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
            "47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
            "8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
            "92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
            "4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
            "dbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
            "2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6");
    /** It answers within 2 s here; this only bounds a broken installation. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 10;

    private final Process process;
    private final URI rpc;

    private AnvilProcess(Process process, URI rpc) {
        this.process = process;
        this.rpc = rpc;
    }

    /** The anvil binary npm installed: the platform package's, or the one its postinstall fetched (npm without that package, e.g. Debian's node 18). */
    public static Optional<Path> binary() {
        Path modules = Path.of(System.getProperty("leo.evm.nodeModules", "node_modules"), "@foundry-rs");
        String arch = System.getProperty("os.arch").matches("aarch64|arm64") ? "arm64" : "amd64";
        return List.of(modules.resolve("anvil-linux-" + arch).resolve("bin/anvil"), modules.resolve("anvil/anvil")).stream()
                .filter(Files::isExecutable).findFirst();
    }

    public static AnvilProcess start() throws IOException, InterruptedException {
        Path anvil = binary().orElseThrow(() -> new IOException("anvil is not installed: the build's npm ci installs it"));
        String last = "no attempt";
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Process p = new ProcessBuilder(anvil.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port), "--silent")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            URI rpc = URI.create("http://127.0.0.1:" + port);
            if (waitReady(p, rpc)) {
                return new AnvilProcess(p, rpc);
            }
            last = "anvil on port " + port + (p.isAlive() ? " did not answer eth_chainId" : " exited with " + p.exitValue());
            ChildProcess.stop(p);
        }
        throw new IOException("could not start anvil in " + PORT_ATTEMPTS + " attempts; last: " + last);
    }

    public URI rpc() {
        return rpc;
    }

    long pid() {
        return process.pid();
    }

    /** From now on a block every {@code seconds} (evm_setIntervalMining; automine ends), transactions or not. */
    public void intervalMining(int seconds) throws IOException, InterruptedException {
        request("evm_setIntervalMining", Integer.toString(seconds));
    }

    /** Overwrites storage slot {@code slot} of the contract at {@code address} (anvil_setStorageAt): how a test tampers with a contract's state. */
    void setStorage(String address, int slot, byte[] value) throws IOException, InterruptedException {
        request("anvil_setStorageAt", "\"" + address + "\",\"0x" + Integer.toHexString(slot) + "\",\"0x" + HexFormat.of().formatHex(value) + "\"");
    }

    /** Calls {@code method}; an IOException if the node answers with an error. */
    private void request(String method, String params) throws IOException, InterruptedException {
        HttpResponse<String> r = call(HttpClient.newHttpClient(), rpc, method, params);
        if (r.statusCode() != 200 || r.body().contains("\"error\"")) {
            throw new IOException(method + " " + params + ": " + r.statusCode() + " " + r.body());
        }
    }

    private static HttpResponse<String> call(HttpClient http, URI rpc, String method, String params) throws IOException, InterruptedException {
        HttpRequest q = HttpRequest.newBuilder(rpc).timeout(Duration.ofSeconds(2)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":[" + params + "]}"))
                .build();
        return http.send(q, HttpResponse.BodyHandlers.ofString());
    }

    private static boolean waitReady(Process p, URI rpc) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && p.isAlive()) {
            try {
                HttpResponse<String> r = call(http, rpc, "eth_chainId", "");
                if (r.statusCode() == 200 && r.body().contains("\"0x" + Long.toHexString(CHAIN_ID) + "\"")) {
                    return true;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        return false;
    }

    @Override
    public void close() {
        ChildProcess.stop(process);
    }
}
