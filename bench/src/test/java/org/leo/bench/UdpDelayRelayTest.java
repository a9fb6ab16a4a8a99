package org.leo.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class UdpDelayRelayTest {

    /**
     * A toy server with TFTP's shape: it answers a request on its well-known port from a NEW
     * port, and the client must continue the conversation with that new port.
     */
    @Test
    void followsTheServersNewTransferPortAndDelaysEachDirection() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (DatagramSocket wellKnown = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket transfer = new DatagramSocket(new InetSocketAddress(lo, 0));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress(lo, 0));
             UdpDelayRelay relay = new UdpDelayRelay(new InetSocketAddress(lo, 0),
                     (InetSocketAddress) wellKnown.getLocalSocketAddress(), 20_000)) {
            Thread t = new Thread(() -> {
                try {
                    relay.run();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.setDaemon(true);
            t.start();
            client.setSoTimeout(5000);
            wellKnown.setSoTimeout(5000);
            transfer.setSoTimeout(5000);

            long start = System.nanoTime();
            client.send(packet("hello", relay.localAddress()));
            DatagramPacket req = receive(wellKnown);
            assertThat(text(req)).isEqualTo("hello");
            transfer.send(packet("data1", req.getSocketAddress()));   // answer from the new TID
            DatagramPacket d1 = receive(client);
            long roundTrip = System.nanoTime() - start;
            assertThat(text(d1)).isEqualTo("data1");
            assertThat(d1.getPort()).as("answer comes from a relay port of its own, not the front port")
                    .isNotEqualTo(relay.localAddress().getPort());
            assertThat(roundTrip).as("a 20 ms round trip was added").isGreaterThanOrEqualTo(20_000_000L);

            client.send(packet("ack1", d1.getSocketAddress()));        // continue with that port
            DatagramPacket ack = receive(transfer);
            assertThat(text(ack)).isEqualTo("ack1");
            assertThat(relay.relayed()).isEqualTo(3);
        }
    }

    private static DatagramPacket packet(String s, java.net.SocketAddress to) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return new DatagramPacket(b, b.length, to);
    }

    private static DatagramPacket receive(DatagramSocket s) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
        s.receive(p);
        return p;
    }

    private static String text(DatagramPacket p) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(p.getData(), p.getOffset(), p.getLength());
        return out.toString(StandardCharsets.US_ASCII);
    }
}
