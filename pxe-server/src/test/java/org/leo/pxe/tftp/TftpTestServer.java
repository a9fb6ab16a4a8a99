package org.leo.pxe.tftp;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.leo.pxe.net.Transport;
import org.leo.pxe.testing.DirectoryBootFiles;

/** A TftpServer on 127.0.0.1 (ephemeral port) over a DirectoryBootFiles, for tests. */
final class TftpTestServer implements AutoCloseable {
    /** Waiting for asynchronous effects (finished() calls); only reached when something is broken. */
    private static final long WAIT_MS = 15_000;

    final Path root;
    final DirectoryBootFiles files;
    final MeterRegistry registry = new SimpleMeterRegistry();
    final EventLoopGroup group;
    final TftpServer server;
    final InetSocketAddress address;

    TftpTestServer(Path root, UnaryOperator<TftpConfig> tweak) throws IOException {
        this.root = root;
        this.files = new DirectoryBootFiles(root);
        this.group = Transport.best().newGroup(2);
        TftpConfig config = tweak.apply(TftpConfig.defaults(InetAddress.getLoopbackAddress()).withPort(0));
        this.server = new TftpServer(config, files, group, Transport.best(), registry);
        this.address = server.start();
    }

    double count(String name) {
        var c = registry.find(name).counters();
        return c.stream().mapToDouble(x -> x.count()).sum();
    }

    double refused(String reason) {
        var c = registry.find(TftpMetrics.REFUSED).tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** Waits until BootFiles.finished() was called {@code n} times; returns the calls. */
    List<DirectoryBootFiles.Finished> awaitFinished(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (files.finishedCalls().size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return files.finishedCalls();
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Path write(Path root, String name, byte[] content) throws IOException {
        Path p = root.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, content);
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
