package org.leo.pxe.tftp;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.nio.file.Path;
import org.leo.pxe.net.Transport;
import org.leo.pxe.testing.DirectoryBootFiles;

/**
 * Runs the server over a directory until killed, for manual interop checks and timings:
 * {@code java ... org.leo.pxe.tftp.TftpDemoServer DIR PORT [ADDRESS [EPOLL|NIO]]}. Not a test.
 */
public final class TftpDemoServer {
    private TftpDemoServer() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        InetAddress address = InetAddress.getByName(args.length > 2 ? args[2] : "127.0.0.1");
        Transport transport = args.length > 3 ? Transport.valueOf(args[3]) : Transport.best();
        var group = transport.newGroup(0);
        var server = new TftpServer(TftpConfig.defaults(address).withPort(port), new DirectoryBootFiles(dir), group,
                transport, new SimpleMeterRegistry());
        System.out.println("listening on " + server.start() + " transport " + transport);
        Thread.currentThread().join();
    }
}
