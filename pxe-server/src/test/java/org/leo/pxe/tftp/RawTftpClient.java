package org.leo.pxe.tftp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A TFTP client on a plain DatagramSocket, written from the RFCs independently of the server's
 * codec, for what commons-net cannot do: options, windows, dropped blocks, duplicate ACKs.
 */
final class RawTftpClient implements AutoCloseable {
    /** Long enough for a loaded CI machine; only reached when the server misbehaves. */
    static final int RECEIVE_TIMEOUT_MS = 5000;

    final DatagramSocket socket;
    final InetSocketAddress server;
    /** The server's transfer port, learned from its first reply. */
    InetSocketAddress tid;
    int packetsReceived;

    RawTftpClient(InetSocketAddress server) throws IOException {
        this(server, InetAddress.getLoopbackAddress());
    }

    /** A client whose socket is bound to {@code local} (another loopback address is another client). */
    RawTftpClient(InetSocketAddress server, InetAddress local) throws IOException {
        this.server = server;
        this.socket = new DatagramSocket(new InetSocketAddress(local, 0));
        socket.setSoTimeout(RECEIVE_TIMEOUT_MS);
        socket.setReceiveBufferSize(4 << 20);
    }

    /** One received datagram. */
    record Packet(InetSocketAddress from, byte[] bytes) {
        int opcode() {
            return ((bytes[0] & 0xFF) << 8) | (bytes[1] & 0xFF);
        }

        int block() {
            return ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF);
        }

        int errorCode() {
            return block();
        }

        byte[] payload() {
            byte[] p = new byte[bytes.length - 4];
            System.arraycopy(bytes, 4, p, 0, p.length);
            return p;
        }

        String errorMessage() {
            int end = 4;
            while (end < bytes.length && bytes[end] != 0) {
                end++;
            }
            return new String(bytes, 4, end - 4, StandardCharsets.UTF_8);
        }

        Map<String, String> oackOptions() {
            Map<String, String> m = new LinkedHashMap<>();
            String[] parts = new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_8).split("\0");
            for (int i = 0; i + 1 < parts.length; i += 2) {
                m.put(parts[i], parts[i + 1]);
            }
            return m;
        }

        @Override
        public String toString() {
            return switch (opcode()) {
                case 3 -> "DATA " + block() + " (" + (bytes.length - 4) + " bytes)";
                case 4 -> "ACK " + block();
                case 5 -> "ERROR " + errorCode() + " " + errorMessage();
                case 6 -> "OACK " + oackOptions();
                default -> "opcode " + opcode();
            };
        }
    }

    static byte[] request(int opcode, String file, String mode, String... options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(opcode);
        writeString(out, file);
        writeString(out, mode);
        for (String o : options) {
            writeString(out, o);
        }
        return out.toByteArray();
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    void sendRaw(byte[] bytes, SocketAddress to) throws IOException {
        socket.send(new DatagramPacket(bytes, bytes.length, to));
    }

    void rrq(String file, String mode, String... options) throws IOException {
        sendRaw(request(1, file, mode, options), server);
    }

    void ack(int block) throws IOException {
        sendRaw(new byte[] {0, 4, (byte) (block >> 8), (byte) block}, tid);
    }

    void error(int code, String message) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(5 + message.length());
        b.putShort((short) 5).putShort((short) code).put(message.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        sendRaw(b.array(), tid);
    }

    /** The next datagram; the first reply's source port becomes {@link #tid}. */
    Packet receive() throws IOException {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.receive(p);
        packetsReceived++;
        byte[] bytes = new byte[p.getLength()];
        System.arraycopy(buf, 0, bytes, 0, bytes.length);
        InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
        if (tid == null) {
            tid = from;
        }
        return new Packet(from, bytes);
    }

    /** The next datagram, or null when none comes within {@code millis}. */
    Packet receiveOrNull(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return receive();
        } catch (SocketTimeoutException e) {
            return null;
        } finally {
            socket.setSoTimeout(RECEIVE_TIMEOUT_MS);
        }
    }

    /**
     * A whole read: sends an RRQ with the options, ACKs the OACK (if any) and each window (the last
     * block of a window, or the last in-order block when one is missing, RFC 7440), block numbers
     * wrapping at 65536. Returns the bytes received.
     */
    byte[] fetch(String file, int blksize, int windowsize, String... extraOptions) throws IOException {
        String[] options = new String[extraOptions.length + 4];
        options[0] = "blksize";
        options[1] = Integer.toString(blksize);
        options[2] = "windowsize";
        options[3] = Integer.toString(windowsize);
        System.arraycopy(extraOptions, 0, options, 4, extraOptions.length);
        rrq(file, "octet", options);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Packet first = receive();
        if (first.opcode() == 5) {
            throw new IOException("server refused: " + first);
        }
        int inWindow = 0;
        int last = 0;
        Packet p = first;
        if (first.opcode() == 6) {
            Map<String, String> o = first.oackOptions();
            blksize = Integer.parseInt(o.getOrDefault("blksize", "512"));
            windowsize = Integer.parseInt(o.getOrDefault("windowsize", "1"));
            ack(0);
            p = receive();
        }
        while (true) {
            if (p.opcode() == 5) {
                throw new IOException("server error: " + p);
            }
            if (p.opcode() == 3 && p.from().equals(tid)) {
                if (p.block() == ((last + 1) & 0xFFFF)) {
                    out.writeBytes(p.payload());
                    last = p.block();
                    inWindow++;
                    if (p.bytes().length - 4 < blksize) {
                        ack(last);
                        return out.toByteArray();
                    }
                    if (inWindow == windowsize) {
                        ack(last);
                        inWindow = 0;
                    }
                } else if (p.block() != last) {
                    ack(last);
                    inWindow = 0;
                }
            }
            p = receive();
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
