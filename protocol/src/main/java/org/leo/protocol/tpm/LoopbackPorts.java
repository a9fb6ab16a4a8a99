package org.leo.protocol.tpm;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Free loopback ports for a swtpm, which takes its server port P and its control port P+1. */
public final class LoopbackPorts {
    private LoopbackPorts() {
    }

    /** A port P with P and P+1 free on 127.0.0.1 right now, or -1 (try again: another process may take them meanwhile). */
    public static int freePair() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket first = new ServerSocket(0, 1, loopback)) {
            int p = first.getLocalPort();
            if (p >= 65535) {
                return -1;
            }
            try (ServerSocket second = new ServerSocket()) {
                second.bind(new InetSocketAddress(loopback, p + 1));
                return p;
            } catch (IOException taken) {
                return -1;
            }
        }
    }
}
