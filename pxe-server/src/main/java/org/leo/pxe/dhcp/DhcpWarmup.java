package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.Transport;

/**
 * Runs DHCP exchanges, as iPXE makes them, against a private server on loopback that shares the
 * real event loops: a DISCOVER and a REQUEST per client, answered through the whole real path
 * (decoder, policy, lease store with group commit, encoder, broadcast reply).
 *
 * <p>Why: the DHCP handler runs on the same event loops and through the same Netty buffer and
 * pipeline code as TFTP and HTTP. Without DHCP in the warm-up, the first real DISCOVER brings
 * types and branches the compiled transfer code has never seen; the JIT throws that code away and
 * compiles it again while the HPC fetches its kernel.
 *
 * <p>Private: its lease store lives in a temporary directory deleted afterwards, replies go to
 * 127.0.0.1 only, its events and metrics are discarded. Used by the server's warm-up only.
 */
public final class DhcpWarmup implements AutoCloseable {
    private static final Inet4Address SERVER = ipv4(10, 255, 255, 1);
    private static final int ARCH_BIOS = 0;
    private static final int ARCH_X64_UEFI = 7;
    private static final int CLIENTS = 4;

    private final Path dir;
    private final LeaseStore leases;
    private final DatagramSocket socket;
    private final DhcpServer server;
    private final List<MacAddress> macs = new ArrayList<>();
    private int xid = 0x1e000000;

    private DhcpWarmup(EventLoopGroup group, Transport transport) throws IOException {
        dir = Files.createTempDirectory("leo-dhcp-warmup");
        leases = LeaseStore.open(dir.resolve("leases.db"));
        socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(2000);
        List<Reservation> reservations = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            MacAddress mac = MacAddress.parse(String.format("02:00:00:1e:00:%02x", i + 1));
            macs.add(mac);
            reservations.add(Reservation.of(mac, ipv4(10, 255, 255, 10 + i)));
        }
        DhcpConfig config = DhcpConfig.builder(SERVER).reservations(reservations).serverPort(0).proxyPort(0)
                .clientPort(socket.getLocalPort()).broadcastAddress((Inet4Address) InetAddress.getByName("127.0.0.1"))
                .build();
        server = new DhcpServer(config, leases, events -> { }, group, transport, new SimpleMeterRegistry(), true);
        server.start();
    }

    /** Starts the private server; {@link #close()} removes it and its lease store. */
    public static DhcpWarmup start(EventLoopGroup group, Transport transport) throws IOException {
        return new DhcpWarmup(group, transport);
    }

    /** The temporary directory of the private lease store (removed by {@link #close()}). */
    Path directory() {
        return dir;
    }

    /**
     * One round: every client, alternately BIOS and UEFI, makes a DISCOVER/OFFER and a
     * REQUEST/ACK exchange, as iPXE does. Returns the number of datagrams exchanged.
     */
    public int round() throws IOException {
        int packets = 0;
        for (int i = 0; i < macs.size(); i++) {
            MacAddress mac = macs.get(i);
            int arch = i % 2 == 0 ? ARCH_BIOS : ARCH_X64_UEFI;
            int id = ++xid;
            DhcpMessage offer = exchange(request(mac, id, options(DhcpMessageType.DISCOVER, arch)));
            DhcpMessage ack = exchange(request(mac, id, options(DhcpMessageType.REQUEST, arch)
                    .ipv4(DhcpOption.SERVER_ID, SERVER).ipv4(DhcpOption.REQUESTED_IP, offer.yiaddr())));
            if (ack.type() != DhcpMessageType.ACK) {
                throw new IOException("DHCP warm-up: expected an ACK, got " + ack.type());
            }
            packets += 4;
        }
        return packets;
    }

    private DhcpMessage exchange(DhcpMessage request) throws IOException {
        byte[] raw = DhcpCodecUtil.encode(request);
        socket.send(new DatagramPacket(raw, raw.length, InetAddress.getLoopbackAddress(), server.port()));
        byte[] in = new byte[DhcpCodecUtil.MAX_PACKET_LENGTH];
        DatagramPacket p = new DatagramPacket(in, in.length);
        while (true) {
            try {
                socket.receive(p);
            } catch (SocketTimeoutException e) {
                throw new IOException("DHCP warm-up: no answer to " + request.type());
            }
            DhcpMessage reply = DhcpCodecUtil.decode(Arrays.copyOf(in, p.getLength()));
            if (reply.xid() == request.xid()) {
                return reply;
            }
        }
    }

    private static DhcpOptions.Builder options(DhcpMessageType type, int arch) {
        return DhcpOptions.builder().u8(DhcpOption.MESSAGE_TYPE, type.code())
                .string(DhcpOption.VENDOR_CLASS_ID, String.format("PXEClient:Arch:%05d:UNDI:002001", arch))
                .u16(DhcpOption.CLIENT_ARCH, arch)
                .put(DhcpOption.CLIENT_NDI, new byte[] {1, 2, 1})
                .put(DhcpOption.USER_CLASS, "iPXE".getBytes(StandardCharsets.US_ASCII));
    }

    private static DhcpMessage request(MacAddress mac, int xid, DhcpOptions.Builder options) {
        return DhcpMessage.builder().op(DhcpMessage.OP_BOOTREQUEST).chaddr(mac).xid(xid).paddedLength(300)
                .options(options.build()).build();
    }

    private static Inet4Address ipv4(int a, int b, int c, int d) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.close();
        socket.close();
        leases.close();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary directory left behind costs nothing; the warm-up must not fail for it
        }
    }
}
