package org.leo.bench.attest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback between the agent and the attestation port that can cut every connection
 * at once, as a flapping link would: the agent re-dials (its backoff), the server sees streams end
 * and open. Each accepted connection's {@link System#nanoTime} is queued, so a benchmark can time
 * from the moment a reconnect reached the relay.
 */
final class CuttableRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Long> accepts = new LinkedBlockingQueue<>();
    private final Thread acceptor;

    CuttableRelay(int targetPort) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "relay-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** The accept time of the next connection, waiting at most {@code seconds}; null if none came. */
    Long nextAccept(double seconds) throws InterruptedException {
        return accepts.poll((long) (seconds * 1e9), TimeUnit.NANOSECONDS);
    }

    /** Forgets accepts not yet taken (before a trial, so the next one is the trial's). */
    void clearAccepts() {
        accepts.clear();
    }

    /** Closes every relayed connection, both legs. */
    void cutAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket in = listener.accept();
                accepts.add(System.nanoTime());
                Socket out = new Socket();
                out.connect(target, 5_000);
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                open.add(in);
                open.add(out);
                pump(in, out, "relay-up");
                pump(out, in, "relay-down");
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private void pump(Socket from, Socket to, String name) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try (InputStream i = from.getInputStream(); OutputStream o = to.getOutputStream()) {
                int n;
                while ((n = i.read(buf)) >= 0) {
                    o.write(buf, 0, n);
                }
            } catch (IOException e) {
                // the other leg or a cut closed it
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cutAll();
    }
}
