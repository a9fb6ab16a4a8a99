package org.leo.agent.collect;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.leo.protocol.attest.v1.NetInterface;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.Route;
import org.leo.protocol.attest.v1.Socket;

/**
 * The host's network state, as the kernel shows it (all claims of the HPC, appraised by the
 * server against the policy):
 * <ul>
 *   <li>interfaces: {@code sys/class/net/<if>/{address,operstate,flags}}; an interface is up when
 *       its operstate is "up", or "unknown" (loopback, tun) with IFF_UP set in flags;</li>
 *   <li>addresses: IPv6 from {@code proc/net/if_inet6}; IPv4 from {@code proc/net/fib_trie} (the
 *       "/32 host LOCAL" keys), attributed to the interface of the longest link route containing
 *       them (127.0.0.0/8 to "lo"); an IPv4 address no link route explains is listed under the
 *       interface name {@value #UNATTRIBUTED} rather than dropped;</li>
 *   <li>routes: {@code proc/net/route} and {@code proc/net/ipv6_route};</li>
 *   <li>sockets: {@code proc/net/{tcp,tcp6,udp,udp6}}.</li>
 * </ul>
 * Lists are sorted so the same state always gives the same result. Missing files give a smaller
 * result; malformed lines are skipped.
 */
public final class NetworkCollector {
    /** Interface name for local IPv4 addresses that no link route attributes to an interface. */
    public static final String UNATTRIBUTED = "?";
    /** Most lines read from one socket table: a busy server has thousands of sockets, not 64k. */
    static final int MAX_SOCKET_LINES = 65_536;
    /** Most lines read from a route table. */
    static final int MAX_ROUTE_LINES = 16_384;
    /** Most lines read from fib_trie (about ten per local address and route). */
    static final int MAX_FIB_TRIE_LINES = 262_144;
    /** Most lines read from if_inet6. */
    static final int MAX_INET6_LINES = 16_384;
    /** Longest MAC text kept (Infiniband hardware addresses are 59 characters). */
    static final int MAX_MAC_LENGTH = 64;
    private static final int IFF_UP = 0x1;

    private final HostPaths host;

    public NetworkCollector(HostPaths host) {
        this.host = host;
    }

    public NetworkResult collect() {
        Path net = host.proc().resolve("net");
        List<Route> routes = new ArrayList<>();
        List<Route> ipv4Routes = new ArrayList<>();
        for (String line : BoundedFiles.readLines(net.resolve("route"), MAX_ROUTE_LINES)) {
            try {
                Route r = RouteLineParser.parseIpv4(line);
                ipv4Routes.add(r);
                routes.add(r);
            } catch (ProcFormatException e) {
                // The header line, or a malformed one.
            }
        }
        for (String line : BoundedFiles.readLines(net.resolve("ipv6_route"), MAX_ROUTE_LINES)) {
            try {
                routes.add(RouteLineParser.parseIpv6(line));
            } catch (ProcFormatException e) {
                // Malformed: skipped.
            }
        }
        routes.sort(Comparator.comparing(Route::getDestination).thenComparing(Route::getGateway)
                .thenComparing(Route::getInterface));

        Map<String, NetInterface.Builder> interfaces = new TreeMap<>();
        Path classNet = host.sys().resolve("class").resolve("net");
        for (String name : BoundedFiles.list(classNet)) {
            Path dir = classNet.resolve(name);
            String operstate = BoundedFiles.readValue(dir.resolve("operstate"), 32).orElse("");
            long flags = BoundedFiles.readValue(dir.resolve("flags"), 32).map(NetworkCollector::hexFlags).orElse(0L);
            boolean up = operstate.equals("up") || (operstate.equals("unknown") && (flags & IFF_UP) != 0);
            interfaces.put(name, NetInterface.newBuilder().setName(Text.printable(name, 64))
                    .setMac(BoundedFiles.readValue(dir.resolve("address"), MAX_MAC_LENGTH)
                            .map(m -> Text.printable(m, MAX_MAC_LENGTH)).orElse(""))
                    .setUp(up));
        }
        Map<String, TreeSet<String>> v4 = new TreeMap<>();
        for (String a : AddressParsers.localIpv4(BoundedFiles.readLines(net.resolve("fib_trie"), MAX_FIB_TRIE_LINES))) {
            String[] at = attribute(a, ipv4Routes);
            v4.computeIfAbsent(at[0], k -> new TreeSet<>()).add(a + "/" + at[1]);
        }
        Map<String, TreeSet<String>> v6 = new TreeMap<>();
        for (String line : BoundedFiles.readLines(net.resolve("if_inet6"), MAX_INET6_LINES)) {
            try {
                AddressParsers.InterfaceAddress ia = AddressParsers.parseIfInet6(line);
                v6.computeIfAbsent(ia.interfaceName(), k -> new TreeSet<>()).add(ia.address());
            } catch (ProcFormatException e) {
                // Malformed: skipped.
            }
        }
        for (Map<String, TreeSet<String>> family : List.of(v4, v6)) {
            for (Map.Entry<String, TreeSet<String>> e : family.entrySet()) {
                interfaces.computeIfAbsent(e.getKey(), k -> NetInterface.newBuilder().setName(k))
                        .addAllAddresses(e.getValue());
            }
        }

        List<Socket> sockets = new ArrayList<>();
        for (String protocol : SocketLineParser.PROTOCOLS) {
            for (String line : BoundedFiles.readLines(net.resolve(protocol), MAX_SOCKET_LINES)) {
                try {
                    sockets.add(SocketLineParser.parse(protocol, line));
                } catch (ProcFormatException e) {
                    // The header line, or a malformed one.
                }
            }
        }
        sockets.sort(Comparator.comparing(Socket::getProtocol).thenComparing(Socket::getLocal)
                .thenComparing(Socket::getRemote).thenComparing(Socket::getState));

        NetworkResult.Builder out = NetworkResult.newBuilder();
        interfaces.values().forEach(b -> out.addInterfaces(b.build()));
        return out.addAllRoutes(routes).addAllSockets(sockets).build();
    }

    /** {interface, prefix length} for a local IPv4 address. */
    static String[] attribute(String address, List<Route> ipv4Routes) {
        byte[] a = AddressParsers.parseDottedQuad(address);
        if ((a[0] & 0xff) == 127) {
            return new String[] {"lo", "8"};
        }
        String best = UNATTRIBUTED;
        int bestPrefix = -1;
        for (Route r : ipv4Routes) {
            if (!r.getGateway().isEmpty()) {
                continue;
            }
            String[] d = r.getDestination().split("/");
            int prefix = Integer.parseInt(d[1]);
            byte[] net = AddressParsers.parseDottedQuad(d[0]);
            if (prefix > bestPrefix && prefix > 0 && contains(net, prefix, a)) {
                best = r.getInterface();
                bestPrefix = prefix;
            }
        }
        return new String[] {best, bestPrefix < 0 ? "32" : Integer.toString(bestPrefix)};
    }

    private static boolean contains(byte[] net, int prefix, byte[] a) {
        int n = ((net[0] & 0xff) << 24) | ((net[1] & 0xff) << 16) | ((net[2] & 0xff) << 8) | (net[3] & 0xff);
        int x = ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
        int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
        return (n & mask) == (x & mask);
    }

    private static long hexFlags(String s) {
        String h = s.startsWith("0x") ? s.substring(2) : s;
        try {
            return InetHex.number(h, 8);
        } catch (ProcFormatException e) {
            return 0;
        }
    }
}
