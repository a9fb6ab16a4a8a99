package org.leo.consensus.ledger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON-RPC relay on a free loopback port in front of a node (anvil): it forwards every request, but
 * can hold one method's requests until a latch opens and open another latch once a method's answer is
 * back. How a test puts two appliances' transactions in a chosen order: e.g. both estimates before
 * either transaction is sent, which anvil's estimate (over its pending transactions) would otherwise see.
 */
final class RpcRelay implements AutoCloseable {
    private static final Pattern METHOD = Pattern.compile("\"method\"\\s*:\\s*\"([^\"]+)\"");
    /** Bounds a hold, so a test that goes wrong fails instead of hanging. */
    private static final Duration HOLD_TIMEOUT = Duration.ofSeconds(60);

    private final URI upstream;
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final HttpClient http = HttpClient.newHttpClient();
    private volatile String heldMethod;
    private volatile CountDownLatch heldUntil;
    private volatile String signalMethod;
    private volatile CountDownLatch signal;

    RpcRelay(URI upstream) throws IOException {
        this.upstream = upstream;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::relay);
        server.setExecutor(threads);
        server.start();
    }

    URI rpc() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Requests for {@code method} wait until {@code latch} opens. */
    RpcRelay hold(String method, CountDownLatch latch) {
        heldUntil = latch;
        heldMethod = method;
        return this;
    }

    /** Counts {@code latch} down each time an answer to {@code method} has been passed back. */
    RpcRelay signalAfter(String method, CountDownLatch latch) {
        signal = latch;
        signalMethod = method;
        return this;
    }

    private void relay(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] request = exchange.getRequestBody().readAllBytes();
            Matcher m = METHOD.matcher(new String(request, java.nio.charset.StandardCharsets.UTF_8));
            String method = m.find() ? m.group(1) : "";
            if (method.equals(heldMethod) && !heldUntil.await(HOLD_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(method + " held for " + HOLD_TIMEOUT + " and never released");
            }
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(upstream).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(r.statusCode(), r.body().length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(r.body());
            }
            if (method.equals(signalMethod)) {
                signal.countDown();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted relaying", e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
