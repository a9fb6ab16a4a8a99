package org.leo.pxe.manifest;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.leo.boot.events.SqliteBootEventLog;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.NeighborTable;
import org.leo.pxe.net.Transport;
import org.leo.pxe.tftp.TftpConfig;
import org.leo.pxe.tftp.TftpServer;

/**
 * TFTP over a signed manifest ({@link ManifestBootFiles}) with a SQLite boot event log, wired as
 * {@code leo pxe serve --interface IF --address A} wires it: the sockets bound to IF, every request
 * checked against the kernel's neighbour table on IF ({@link SourceCheck}). For
 * {@link BlindSpoofedScriptSystemTest}, which runs this in the server's network namespace.
 *
 * <p>Arguments: ADDRESS INTERFACE DIR LEASE_IP LEASE_MAC. DIR holds the boot root {@code root/},
 * the signed {@code boot.manifest} and {@code keys/boot-manifest.pub}; the event log is written to
 * {@code DIR/events.db}. The one lease: LEASE_IP is held by LEASE_MAC. Prints
 * {@code READY tftp=PORT}, then serves until killed.
 */
public final class ManifestTftpMain {
    private ManifestTftpMain() {
    }

    public static void main(String[] args) throws Exception {
        InetAddress address = InetAddress.getByName(args[0]);
        String device = args[1];
        Path dir = Path.of(args[2]);
        InetAddress leased = InetAddress.getByName(args[3]);
        MacAddress leaseMac = MacAddress.parse(args[4]);
        BootManifest manifest = ManifestTool.loadVerified(dir.resolve("boot.manifest"),
                dir.resolve("keys").resolve(ManifestTool.PUBLIC_KEY_FILE));
        SqliteBootEventLog log = SqliteBootEventLog.open(dir.resolve("events.db"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ManifestBootFiles files = new ManifestBootFiles(dir.resolve("root"), manifest,
                ip -> ip.equals(leased) ? Optional.of(leaseMac) : Optional.empty(),
                SourceCheck.against(new NeighborTable(device)), log, IpxeScriptConfig.defaults(args[0], 80), registry);
        EventLoopGroup group = Transport.best().newGroup(1);
        TftpConfig tftp = TftpConfig.defaults(address).withPort(0).withBindInterface(device);
        InetSocketAddress bound = new TftpServer(tftp, files, group, Transport.best(), registry).start();
        System.out.println("READY tftp=" + bound.getPort());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
