package org.leo.appliance.gateway;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.leo.pxe.vm.NetNsHost;
import org.leo.pxe.vm.ServerProcess;

/**
 * The gateway's log lines as the kernel hands them to NFLOG group N: {@code tcpdump -i nflog:N -w FILE} in the Pi's
 * namespace (the kernel log is not per namespace: a namespace's {@code log} without a group reaches no reader), then the
 * capture parsed here: each record's prefix (NFULA_PREFIX) and the logged packet's addresses (NFULA_PAYLOAD). Format:
 * pcap with link type LINKTYPE_NFLOG (239); TLV lengths and types in the host's byte order, as the pcap header.
 */
final class NflogCapture implements AutoCloseable {
    /** One log line: its prefix and the logged packet's source and destination. */
    record Logged(String prefix, InetAddress source, InetAddress destination) { }

    private static final int LINKTYPE_NFLOG = 239;
    private static final int NFULA_PAYLOAD = 9;
    private static final int NFULA_PREFIX = 10;

    private final ServerProcess tcpdump;
    private final Path file;

    private NflogCapture(ServerProcess tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
    }

    /** Starts capturing group {@code group} in {@code host}; returns once tcpdump listens. */
    static NflogCapture start(NetNsHost host, int group, Path dir) throws IOException {
        Path file = dir.resolve("nflog-" + group + ".pcap");
        ServerProcess p = ServerProcess.start("tcpdump", host.processBuilder("tcpdump", "-i", "nflog:" + group, "-n", "-U", "-w", file.toString()),
                dir.resolve("tcpdump.log"));
        try {
            p.awaitReady(Pattern.compile("listening on nflog:" + group), Duration.ofSeconds(10));
        } catch (IOException e) {
            p.stop();
            throw e;
        }
        return new NflogCapture(p, file);
    }

    /**
     * Waits until {@code count} records are in the file (each is written as it arrives, -U), within {@code bound}; stops
     * tcpdump and returns every record captured, fewer if they did not come.
     */
    List<Logged> awaitAndStop(int count, Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (System.nanoTime() < deadline && (!Files.exists(file) || parse(Files.readAllBytes(file)).size() < count)) {
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000); // polls the file: tcpdump writes it
        }
        tcpdump.stop();
        return parse(Files.readAllBytes(file));
    }

    static List<Logged> parse(byte[] pcap) throws IOException {
        if (pcap.length < 4) {
            return List.of();
        }
        ByteBuffer b = ByteBuffer.wrap(pcap).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1) {
            b.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != 0xa1b2c3d4) {
            throw new IOException("not a pcap file (magic " + Integer.toHexString(magic) + ")");
        }
        if (pcap.length < 24) {
            return List.of(); // the header is not written yet
        }
        if (b.getInt(20) != LINKTYPE_NFLOG) {
            throw new IOException("link type " + b.getInt(20) + ", not NFLOG");
        }
        List<Logged> out = new ArrayList<>();
        int at = 24;
        while (at + 16 <= pcap.length) {
            int caplen = b.getInt(at + 8);
            int start = at + 16;
            int end = start + caplen;
            if (caplen < 4) {
                throw new IOException("bad record at " + at);
            }
            if (end > pcap.length) {
                break; // the record tcpdump is still writing
            }
            String prefix = null;
            byte[] payload = null;
            for (int t = start + 4; t + 4 <= end; ) { // after family, version, resource id
                int length = b.getShort(t) & 0xffff;
                int type = b.getShort(t + 2) & 0x7fff;
                if (length < 4 || t + length > end) {
                    throw new IOException("bad TLV at " + t);
                }
                byte[] value = Arrays.copyOfRange(pcap, t + 4, t + length);
                if (type == NFULA_PREFIX) {
                    int nul = 0;
                    while (nul < value.length && value[nul] != 0) {
                        nul++;
                    }
                    prefix = new String(value, 0, nul, StandardCharsets.US_ASCII);
                } else if (type == NFULA_PAYLOAD) {
                    payload = value;
                }
                t += (length + 3) & ~3;
            }
            if (prefix != null && payload != null && payload.length >= 20) {
                boolean v6 = (payload[0] >> 4) == 6;
                InetAddress src = InetAddress.getByAddress(Arrays.copyOfRange(payload, v6 ? 8 : 12, v6 ? 24 : 16));
                InetAddress dst = InetAddress.getByAddress(Arrays.copyOfRange(payload, v6 ? 24 : 16, v6 ? 40 : 20));
                out.add(new Logged(prefix, src, dst));
            }
            at = end;
        }
        return out;
    }

    @Override
    public void close() {
        tcpdump.stop();
    }
}
