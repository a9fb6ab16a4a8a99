package org.leo.pxe.net;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.leo.pxe.http.HttpBootConfig;
import org.leo.pxe.http.HttpBootServer;
import org.leo.pxe.testing.DirectoryBootFiles;
import org.leo.pxe.tftp.TftpConfig;
import org.leo.pxe.tftp.TftpServer;

/**
 * TFTP and HTTP servers over a directory, bound as {@code leo pxe serve --interface IF --address A}
 * binds them, for {@link HpcInterfaceBindSystemTest}, which runs this in the server's network
 * namespace. Arguments: ADDRESS INTERFACE|- ROOT. Prints {@code READY tftp=PORT http=PORT}, then
 * serves until killed.
 */
public final class BoundServersMain {
    private BoundServersMain() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[0]);
        String device = args[1].equals("-") ? null : args[1];
        DirectoryBootFiles files = new DirectoryBootFiles(Path.of(args[2]));
        EventLoopGroup group = Transport.best().newGroup(1);
        TftpConfig tftp = TftpConfig.defaults(address).withPort(0);
        HttpBootConfig http = HttpBootConfig.of(new InetSocketAddress(address, 0));
        if (device != null) {
            tftp = tftp.withBindInterface(device);
            http = http.withBindInterface(device);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InetSocketAddress t = new TftpServer(tftp, files, group, Transport.best(), registry).start();
        InetSocketAddress h = new HttpBootServer(http, files, group, Transport.best(), registry).start();
        System.out.println("READY tftp=" + t.getPort() + " http=" + h.getPort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
