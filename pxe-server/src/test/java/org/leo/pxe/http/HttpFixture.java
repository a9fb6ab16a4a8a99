package org.leo.pxe.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.leo.boot.events.BootEvent;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.boot.manifest.BootManifest;
import org.leo.pxe.manifest.IpxeScriptConfig;
import org.leo.pxe.manifest.ManifestBootFiles;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.Transport;

/**
 * A real boot root (files of 0, 1, 511, 512, 513 bytes and 64 MiB), a signed manifest, the real
 * {@link ManifestBootFiles} behind a recorder of {@link BootFiles#finished} calls, and a running
 * {@link HttpBootServer} on loopback.
 */
final class HttpFixture implements AutoCloseable {
    static final MacAddress MAC = MacAddress.parse("52:54:00:77:00:10");
    static final int BIG = 64 << 20;
    static final int[] SIZES = {0, 1, 511, 512, 513};

    /** One finished() call. */
    record Finished(BootRequest request, ServedFile file, TransferResult result) {
    }

    final Path root;
    final BootManifest manifest;
    final List<BootEvent> events = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Finished> finished = new LinkedBlockingQueue<>();
    /** Transfers opened minus transfers finished; guarded by itself. */
    private final long[] balance = new long[1];
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final EventLoopGroup group;
    final HttpBootServer server;
    final InetSocketAddress address;
    final ManifestBootFiles files;

    HttpFixture(Path tmp, Duration idleTimeout) throws Exception {
        this(tmp, idleTimeout, null);
    }

    /** @param log where events go besides {@link #events} (e.g. the SQLite log), or null */
    HttpFixture(Path tmp, Duration idleTimeout, org.leo.boot.events.BootEventSink log) throws Exception {
        root = Files.createDirectory(tmp.resolve("root"));
        Random rnd = new Random(42);
        for (int size : SIZES) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            Files.write(root.resolve("file" + size), b);
        }
        byte[] big = new byte[BIG];
        rnd.nextBytes(big);
        Files.write(root.resolve("big.img"), big);
        Files.createDirectories(root.resolve("efi/boot"));
        Files.write(root.resolve("efi/boot/bootx64.efi"), new byte[] {'M', 'Z'});
        Files.write(root.resolve("vmlinuz"), new byte[] {1, 2, 3});
        Files.write(root.resolve("initrd.img"), new byte[] {4, 5});
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(tmp.resolve("keys"));
        Path manifestFile = tmp.resolve("boot.manifest");
        ManifestTool.create(root, keys.privateKey(), manifestFile, "http test image");
        manifest = ManifestTool.loadVerified(manifestFile, keys.publicKey());
        Files.write(root.resolve("unlisted.bin"), new byte[] {7});
        Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
        InetAddress loopback = InetAddress.getLoopbackAddress();
        files = new ManifestBootFiles(root, manifest, ip -> ip.equals(loopback) ? Optional.of(MAC) : Optional.empty(),
                e -> {
                    if (log != null) {
                        log.record(e);
                    }
                    events.add(e);
                }, IpxeScriptConfig.defaults("127.0.0.1", 0), registry);
        BootFiles recording = new BootFiles() {
            @Override
            public ServedFile open(BootRequest request) throws BootRefusal {
                ServedFile f = files.open(request);
                synchronized (balance) {
                    balance[0]++;
                }
                return f;
            }

            @Override
            public void finished(BootRequest request, ServedFile file, TransferResult result) {
                files.finished(request, file, result);
                finished.add(new Finished(request, file, result));
                synchronized (balance) {
                    balance[0]--;
                    balance.notifyAll();
                }
            }
        };
        Transport transport = Transport.best();
        group = transport.newGroup(2);
        server = new HttpBootServer(HttpBootConfig.of(new InetSocketAddress(loopback, 0)).withIdleTimeout(idleTimeout),
                recording, group, transport, registry);
        address = server.start();
        files.setHttpPort(address.getPort());
    }

    String url(String path) {
        return "http://127.0.0.1:" + address.getPort() + "/" + path;
    }

    byte[] bytes(String name) throws IOException {
        return Files.readAllBytes(root.resolve(name));
    }

    String sha(String name) {
        return manifest.entry(name).orElseThrow().sha256Hex();
    }

    /**
     * Waits until every transfer opened so far has reported finished(). finished() runs on the
     * server's worker threads, so a test's last report can arrive after the next test began;
     * tests that share one fixture call this before they clear the queue
     * (regression: HttpBootServerTest.singleRangeIs206 once read the previous test's report).
     */
    void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        synchronized (balance) {
            while (balance[0] > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(balance[0] + " transfer(s) never reported finished()");
                }
                balance.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    Finished nextFinished() throws InterruptedException {
        Finished f = finished.poll(30, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("finished() was not called within 30 s");
        }
        return f;
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
