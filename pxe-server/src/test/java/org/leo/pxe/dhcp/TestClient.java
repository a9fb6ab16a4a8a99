package org.leo.pxe.dhcp;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Optional;

/** A loopback DHCP client on an ephemeral port; replies reach it because the server's broadcast address is 127.0.0.1. */
final class TestClient implements AutoCloseable {
    final DatagramSocket socket;
    private int serverPort;

    TestClient() throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(10_000);
    }

    /** Where requests go (the server's DHCP or proxy port). */
    TestClient target(int port) {
        serverPort = port;
        return this;
    }

    int port() {
        return socket.getLocalPort();
    }

    void send(DhcpMessage m) throws IOException {
        send(DhcpCodecUtil.encode(m));
    }

    void send(byte[] raw) throws IOException {
        socket.send(new DatagramPacket(raw, raw.length, InetAddress.getLoopbackAddress(), serverPort));
    }

    /** The next reply; fails the test after 10 s without one. */
    DhcpMessage receive() throws IOException {
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no DHCP reply within 10 s", e);
        }
        return DhcpCodecUtil.decode(Arrays.copyOf(buf, p.getLength()));
    }

    /** Sends and returns the reply with the same xid. */
    DhcpMessage exchange(DhcpMessage m) throws IOException {
        send(m);
        DhcpMessage r;
        do {
            r = receive();
        } while (r.xid() != m.xid());
        return r;
    }


    @Override
    public void close() {
        socket.close();
    }
}
