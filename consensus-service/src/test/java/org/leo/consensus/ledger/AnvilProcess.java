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
    /** anvil's first three dev accounts (the well-known "test test ... junk" mnemonic): public test keys, never funded elsewhere. */
    public static final List<String> DEV_KEYS = List.of(
            "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
            "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
            "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
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
        HttpResponse<String> r = call(HttpClient.newHttpClient(), rpc, "evm_setIntervalMining", Integer.toString(seconds));
        if (r.statusCode() != 200 || r.body().contains("\"error\"")) {
            throw new IOException("evm_setIntervalMining " + seconds + ": " + r.statusCode() + " " + r.body());
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
