package org.leo.pxe;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
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
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.http.HttpBootServer;
import org.leo.pxe.net.Transport;
import org.leo.pxe.tftp.TftpConfig;
import org.leo.pxe.tftp.TftpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the TFTP and HTTP transfer code a few thousand times at start, on private loopback
 * servers that share the real event loops, so the JIT has compiled it before the first HPC asks.
 *
 * <p>Why: a cold JVM interprets the per-packet path of the first transfer, and the first
 * transfer is the kernel of the first boot (measured: a cold 64 MiB lock-step fetch took about
 * 2.2 s where a warm one took 1.4 s). The warm-up serves random bytes from memory through its own
 * {@link BootFiles}: nothing touches the boot root, the manifest, the lease table or the boot event
 * log, and its metrics go to a private registry.
 */
final class Warmup {
    private static final Logger log = LoggerFactory.getLogger(Warmup.class);
    /** Enough blocks that the per-packet path crosses the JIT's compile thresholds several times. */
    private static final int FILE_BYTES = 4 << 20;
    private static final int TFTP_ROUNDS = 6;
    private static final int HTTP_ROUNDS = 20;
    private static final int BLKSIZE = 1432;
    private static final String NAME = "warmup.bin";

    private Warmup() {
    }

    /** Never throws: a failed warm-up only costs speed, so it is logged and forgotten. */
    static void run(EventLoopGroup group, Transport transport) {
        long start = System.nanoTime();
        byte[] bytes = new byte[FILE_BYTES];
        ThreadLocalRandom.current().nextBytes(bytes);
        ByteBuffer content = ByteBuffer.allocateDirect(FILE_BYTES).put(bytes).flip();
        BootFiles files = new BootFiles() {
            @Override
            public ServedFile open(BootRequest request) throws BootRefusal {
                if (!request.path().equals(NAME)) {
                    throw new BootRefusal(BootRefusal.Reason.NOT_FOUND, request.path() + ": not found");
                }
                return new ServedFile(NAME, content, "", Optional.empty(), false);
            }

            @Override
            public void finished(BootRequest request, ServedFile file, TransferResult result) {
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        TftpServer tftp = new TftpServer(TftpConfig.defaults(loopback).withPort(0), files, group, transport, registry);
        HttpBootServer http = new HttpBootServer(HttpBootConfig.of(new InetSocketAddress(loopback, 0)), files, group,
                transport, registry);
        long packets = 0;
        try {
            InetSocketAddress t = tftp.start();
            for (int i = 0; i < TFTP_ROUNDS; i++) {
                packets += fetchLockStep(t);
            }
            InetSocketAddress h = http.start();
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            URI uri = URI.create("http://" + h.getAddress().getHostAddress() + ":" + h.getPort() + "/" + NAME);
            for (int i = 0; i < HTTP_ROUNDS; i++) {
                client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding());
            }
            log.info("warmed up the transfer path in {} ms ({} TFTP packets, {} HTTP requests on loopback)",
                    Duration.ofNanos(System.nanoTime() - start).toMillis(), packets, HTTP_ROUNDS);
        } catch (IOException | RuntimeException e) {
            log.warn("warm-up skipped: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            tftp.close();
            http.close();
        }
    }

    /** A minimal lock-step RFC 1350/2348 client, as iPXE fetches: blksize 1432, one ACK per block. */
    private static long fetchLockStep(InetSocketAddress server) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(server.getAddress(), 0))) {
            socket.setSoTimeout(2000);
            byte[] body = (NAME + "\0octet\0blksize\0" + BLKSIZE + "\0").getBytes(StandardCharsets.US_ASCII);
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
                ack[1] = 4;
                socket.send(new DatagramPacket(ack, 4, packet.getSocketAddress()));
                packets++;
                if (opcode == 3 && packet.getLength() - 4 < BLKSIZE) {
                    return packets;
                }
            }
        }
    }
}
