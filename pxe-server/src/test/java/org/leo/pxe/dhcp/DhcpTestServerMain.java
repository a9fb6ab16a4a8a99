package org.leo.pxe.dhcp;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.leo.boot.events.BootEventSink;
import org.leo.boot.net.MacAddress;
import org.leo.pxe.net.Transport;

/**
 * Runs a DHCP server in its own JVM for the kill -9 and network-namespace tests. Arguments are
 * {@code key=value}: db, server, port, clientPort, broadcast, iface, pool=START-END,
 * reserve=MAC or reserve=MAC@IP (repeatable), proxy=true, transport=epoll|nio. Prints
 * {@code READY port=N} once bound; runs until killed.
 */
public final class DhcpTestServerMain {
    private DhcpTestServerMain() {
    }

    public static void main(String[] args) throws Exception {
        String db = null;
        DhcpConfig.Builder b = null;
        List<String> rest = new ArrayList<>();
        for (String a : args) {
            if (a.startsWith("server=")) {
                b = DhcpConfig.builder(Packets.ip(a.substring(7)));
            } else {
                rest.add(a);
            }
        }
        if (b == null) {
            throw new IllegalArgumentException("server=IP is required");
        }
        List<Reservation> reservations = new ArrayList<>();
        Transport transport = Transport.best();
        for (String a : rest) {
            int eq = a.indexOf('=');
            String k = a.substring(0, eq);
            String v = a.substring(eq + 1);
            switch (k) {
                case "db" -> db = v;
                case "port" -> b.serverPort(Integer.parseInt(v));
                case "clientPort" -> b.clientPort(Integer.parseInt(v));
                case "broadcast" -> b.broadcastAddress(Packets.ip(v));
                case "iface" -> b.interfaceName(v);
                case "proxy" -> b.proxyMode(Boolean.parseBoolean(v));
                case "httpPort" -> b.httpPort(Integer.parseInt(v));
                case "transport" -> transport = Transport.valueOf(v.toUpperCase(java.util.Locale.ROOT));
                case "pool" -> {
                    String[] se = v.split("-");
                    b.pool(new AddressPool(Packets.ip(se[0]), Packets.ip(se[1])));
                }
                case "reserve" -> {
                    String[] mi = v.split("@");
                    reservations.add(new Reservation(MacAddress.parse(mi[0]),
                            mi.length > 1 ? Optional.of(Packets.ip(mi[1])) : Optional.empty(), Optional.empty()));
                }
                default -> throw new IllegalArgumentException("unknown argument " + a);
            }
        }
        b.reservations(reservations);
        LeaseStore store = LeaseStore.open(Path.of(db));
        EventLoopGroup group = transport.newGroup(1);
        DhcpServer server = new DhcpServer(b.build(), store, BootEventSink.NONE, group, transport, new SimpleMeterRegistry());
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            group.shutdownGracefully();
            store.close();
        }));
        System.out.println("READY port=" + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
