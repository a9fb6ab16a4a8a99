package org.leo.pxe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.leo.pxe.dhcp.DhcpWarmup;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.http.HttpBootServer;
import org.leo.pxe.net.Transport;
import org.leo.pxe.tftp.TftpConfig;
import org.leo.pxe.tftp.TftpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.leo.boot.events.BootEventSink;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.pxe.manifest.ManifestBootFiles;
import org.leo.pxe.manifest.IpxeScriptConfig;
import org.leo.boot.manifest.Sha256;
import org.leo.boot.net.MacAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the DHCP, TFTP and HTTP serving code a few thousand times at start, on private loopback
 * servers that share the real event loops, then waits for the JIT compiler to go quiet, so the
 * first HPC that asks is served by compiled code and does not share the cores with the compiler.
 *
 * <p>Why: a cold JVM interprets the per-packet path of the first transfer, and the first
 * transfer is the kernel of the first boot (measured: a cold 64 MiB lock-step fetch took about
 * 2.2 s where a warm one took 1.4 s). Compiled code is also specialised to the types it saw, so
 * the warm-up serves the same kinds of buffers as real serving: a read-only direct snapshot like
 * {@code SnapshotStore}'s and a heap-wrapped script like the iPXE scripts, asked for the way iPXE
 * asks (blksize 1432, tsize). With other types the compiled code is thrown away at the first real
 * transfer and compiled again while a VM boots (seen: the C2 compiler busy for 0.9 s of a 1.1 s
 * kernel fetch, which doubled the fetch time on two cores).
 *
 * <p>The warm-up serves a private boot root (a temporary directory with one random 4 MiB file and
 * an unsigned manifest of it) through the real file policy, {@code ManifestBootFiles}, in its quiet
 * mode, so the snapshot store, the script generator and the logging code run too: nothing touches
 * the real boot root, the lease table or the boot event log, and its metrics go to a private
 * registry.
 */
final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    private static final int FILE_BYTES = 4 << 20;
    /**
     * Rounds of: DHCP for four clients, the script and the file over HTTP and over lock-step TFTP, the
     * file again with windowsize 16. Sixteen rounds are about 47,000 lock-step TFTP packets: the per-packet methods need about 30,000 calls before the
     * JIT's second tier compiles them (measured with -XX:+LogCompilation).
     */
    private static final int ROUNDS = 16;
    private static final int BLKSIZE = 1432;
    /** The windowed fetch of each round (RFC 7440), which sends whole windows as UDP GSO datagrams. */
    private static final int WINDOWSIZE = 16;
    private static final String NAME = "warmup.bin";
    /** The MAC the warm-up's script is generated for (locally administered, never on a wire). */
    private static final MacAddress WARM_MAC = MacAddress.parse("02:00:00:1e:00:ff");
    /** The JIT counts as quiet when its total compile time has not grown for this long. */
    private static final Duration JIT_QUIET = Duration.ofMillis(400);
    /** At most this long is spent waiting for the JIT after the warm-up traffic. */
    private static final Duration JIT_SETTLE_LIMIT = Duration.ofSeconds(8);

    private Warmup() {
    }

    /** What a warm-up did: datagrams and requests exchanged, or why it stopped early. */
    record Summary(long dhcpPackets, long tftpPackets, long httpRequests, Duration jitWait, Optional<String> failure) {
    }

    /** Never throws: a failed warm-up only costs speed, so it is logged and forgotten. */
    static Summary run(EventLoopGroup group, Transport transport) {
        long start = System.nanoTime();
        Path dir;
        ManifestBootFiles files;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try {
            // The real file policy over a private boot root: the same snapshot store, script generator,
            // events and logging code as real serving (logged at DEBUG, events discarded).
            dir = Files.createTempDirectory("leo-warmup");
            byte[] bytes = new byte[FILE_BYTES];
            ThreadLocalRandom.current().nextBytes(bytes);
            Files.write(dir.resolve(NAME), bytes);
            BootManifest manifest = new BootManifest("warm-up", Instant.now(),
                    List.of(new ManifestEntry(NAME, FILE_BYTES, Sha256.hex(bytes))));
            files = new ManifestBootFiles(dir, manifest, address -> Optional.of(WARM_MAC), BootEventSink.NONE,
                    IpxeScriptConfig.defaults("127.0.0.1", 80), registry, true);
        } catch (IOException | RuntimeException e) {
            log.warn("warm-up skipped: {}", e.toString());
            return new Summary(0, 0, 0, Duration.ZERO, Optional.of(e.toString()));
        }
        String scriptName = IpxeScriptConfig.defaults("127.0.0.1", 80).scriptName();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        TftpServer tftp = new TftpServer(TftpConfig.defaults(loopback).withPort(0), files, group, transport, registry);
        HttpBootServer http = new HttpBootServer(HttpBootConfig.of(new InetSocketAddress(loopback, 0)), files, group,
                transport, registry);
        long packets = 0;
        long dhcpPackets = 0;
        long requests = 0;
        log.info("warming up: DHCP, TFTP and HTTP on private loopback servers before the real ports open");
        try (DhcpWarmup dhcp = DhcpWarmup.start(group, transport)) {
            // Every server and client kind starts, and talks once, before any code gets hot: loading a
            // channel class later (an HTTP server socket, an accepted connection) voids what the JIT
            // assumed about the class hierarchy and throws compiled transfer code away.
            InetSocketAddress t = tftp.start();
            InetSocketAddress h = http.start();
            files.setHttpPort(h.getPort());
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String base = "http://" + h.getAddress().getHostAddress() + ":" + h.getPort() + "/";
            for (int i = 0; i < ROUNDS; i++) {
                dhcpPackets += dhcp.round();
                for (String name : new String[] {scriptName, NAME}) {
                    int status = client.send(HttpRequest.newBuilder(URI.create(base + name))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (status != 200) {
                        throw new IOException("warm-up HTTP GET " + name + ": status " + status);
                    }
                    requests++;
                    packets += fetchLockStep(t, name);
                }
                packets += fetch(t, NAME, WINDOWSIZE);
            }
            long traffic = System.nanoTime();
            Duration settled = awaitQuietJit();
            log.info("warmed up the serving path in {} ms ({} DHCP and {} TFTP packets, {} HTTP requests on loopback), "
                            + "then waited {} ms for the JIT compiler{}",
                    Duration.ofNanos(traffic - start).toMillis(), dhcpPackets, packets, requests, settled.toMillis(),
                    settled.compareTo(JIT_SETTLE_LIMIT) >= 0 ? " (still compiling; serving anyway)" : "");
            return new Summary(dhcpPackets, packets, requests, settled, Optional.empty());
        } catch (IOException | RuntimeException e) {
            log.warn("warm-up stopped early: {}", e.toString());
            return new Summary(dhcpPackets, packets, requests, Duration.ZERO, Optional.of(e.toString()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Summary(dhcpPackets, packets, requests, Duration.ZERO, Optional.of("interrupted"));
        } finally {
            tftp.close();
            http.close();
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var entries = Files.list(dir)) {
            for (Path f : entries.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            log.debug("warm-up directory {} left behind: {}", dir, e.toString());
        }
    }

    /**
     * Waits until the JIT's total compile time stops growing for {@link #JIT_QUIET}, at most
     * {@link #JIT_SETTLE_LIMIT}; returns how long it waited. Without a compilation bean it returns at once.
     */
    private static Duration awaitQuietJit() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        long start = System.nanoTime();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return Duration.ZERO;
        }
        long last = jit.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            if (now - start >= JIT_SETTLE_LIMIT.toNanos()) {
                return JIT_SETTLE_LIMIT;
            }
            if (now - quietSince >= JIT_QUIET.toNanos()) {
                return Duration.ofNanos(quietSince - start);
            }
            Thread.sleep(50);
            long total = jit.getTotalCompilationTime();
            if (total != last) {
                last = total;
                quietSince = System.nanoTime();
            }
        }
    }

    /** A minimal lock-step RFC 1350/2348 client, as iPXE fetches: blksize 1432 and tsize, one ACK per block. */
    private static long fetchLockStep(InetSocketAddress server, String name) throws IOException {
        return fetch(server, name, 1);
    }

    /**
     * A minimal RFC 1350/2348/7440 client: blksize 1432 and tsize, and with {@code windowsize} above
     * 1 that option too, acknowledging every {@code windowsize}-th block and the last.
     */
    private static long fetch(InetSocketAddress server, String name, int windowsize) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
            socket.setSoTimeout(2000);
            String window = windowsize > 1 ? "windowsize\0" + windowsize + "\0" : "";
            byte[] body = (name + "\0octet\0blksize\0" + BLKSIZE + "\0tsize\0" + 0 + "\0" + window)
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] rrq = ByteBuffer.allocate(2 + body.length).putShort((short) 1).put(body).array();
            socket.send(new DatagramPacket(rrq, rrq.length, server));
            byte[] in = new byte[BLKSIZE + 4];
            byte[] ack = new byte[4];
            DatagramPacket packet = new DatagramPacket(in, in.length);
            long packets = 0;
            while (true) {
                packet.setLength(in.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    throw new IOException("warm-up TFTP transfer timed out after " + packets + " packets");
                }
                int opcode = ((in[0] & 0xff) << 8) | (in[1] & 0xff);
                if (opcode == 6) {          // OACK: acknowledge with block 0
                    ack[2] = 0;
                    ack[3] = 0;
                } else if (opcode == 3) {   // DATA: acknowledge its block
                    ack[2] = in[2];
                    ack[3] = in[3];
                } else {
                    throw new IOException("warm-up TFTP transfer: opcode " + opcode);
                }
                packets++;
                boolean last = opcode == 3 && packet.getLength() - 4 < BLKSIZE;
                int block = ((in[2] & 0xff) << 8) | (in[3] & 0xff);
                if (opcode == 6 || last || block % windowsize == 0) {
                    ack[1] = 4;
                    socket.send(new DatagramPacket(ack, 4, packet.getSocketAddress()));
                }
                if (last) {
                    return packets;
                }
            }
        }
    }
}
