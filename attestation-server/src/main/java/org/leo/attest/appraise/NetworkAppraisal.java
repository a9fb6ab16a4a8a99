package org.leo.attest.appraise;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.leo.protocol.attest.v1.NetInterface;
import org.leo.protocol.attest.v1.NetworkResult;
import org.leo.protocol.attest.v1.Route;
import org.leo.protocol.attest.v1.Socket;

/**
 * The network part: a new listening socket, a connection to a peer not seen at enrollment, an
 * interface or address that changed, a route added or removed. Connections are compared by
 * protocol and remote address only: the local port of an outbound connection changes on every
 * reconnect.
 */
final class NetworkAppraisal {
    private NetworkAppraisal() {
    }

    static void appraise(NetworkResult got, Golden golden, Findings out) {
        if (golden.network().isEmpty()) {
            return;
        }
        NetworkResult ref = golden.network().get();
        listeners(ref, got, out);
        connections(ref, got, out);
        interfaces(ref, got, out);
        Set<String> routesBefore = routes(ref.getRoutesList());
        Set<String> routesNow = routes(got.getRoutesList());
        for (String r : routesNow) {
            if (!routesBefore.contains(r)) {
                out.add("routing table", "network.route.added", "", r, "a route was added: " + r);
            }
        }
        for (String r : routesBefore) {
            if (!routesNow.contains(r)) {
                out.add("routing table", "network.route.removed", r, "", "a route was removed: " + r);
            }
        }
    }

    private static boolean listening(Socket s) {
        return s.getState().equals("LISTEN") || (s.getProtocol().startsWith("udp") && !s.getState().equals("ESTABLISHED"));
    }

    private static void listeners(NetworkResult ref, NetworkResult got, Findings out) {
        Set<String> before = new LinkedHashSet<>();
        ref.getSocketsList().stream().filter(NetworkAppraisal::listening).forEach(s -> before.add(s.getProtocol() + " " + s.getLocal()));
        Set<String> now = new LinkedHashSet<>();
        List<String> ignored = out.policy().ignoredListeners();
        for (Socket s : got.getSocketsList()) {
            if (!listening(s)) {
                continue;
            }
            String key = s.getProtocol() + " " + s.getLocal();
            now.add(key);
            if (!before.contains(key) && !ignoredListener(s, ignored)) {
                out.add("sockets", "network.listen.new", "", key, "a new " + s.getProtocol() + " socket listens on " + s.getLocal());
            }
        }
        for (String key : before) {
            if (!now.contains(key)) {
                out.add("sockets", "network.listen.gone", key, "", "the " + key + " socket that listened at enrollment is gone");
            }
        }
    }

    private static boolean ignoredListener(Socket s, List<String> ignored) {
        String port = s.getLocal().substring(s.getLocal().lastIndexOf(':') + 1);
        String proto = s.getProtocol().replace("6", "");
        return ignored.contains(proto + ":" + port) || ignored.contains(proto + ":*");
    }

    private static void connections(NetworkResult ref, NetworkResult got, Findings out) {
        Set<String> before = new LinkedHashSet<>();
        for (Socket s : ref.getSocketsList()) {
            if (!listening(s)) {
                before.add(s.getProtocol() + " " + s.getRemote());
            }
        }
        Set<String> reported = new LinkedHashSet<>();
        for (Socket s : got.getSocketsList()) {
            if (listening(s) || s.getRemote().isEmpty()) {
                continue;
            }
            String key = s.getProtocol() + " " + s.getRemote();
            if (!before.contains(key) && reported.add(key)) {
                out.add("sockets", "network.connection.new", "", key, "a new " + s.getProtocol() + " connection from "
                        + s.getLocal() + " to " + s.getRemote() + " (" + s.getState() + ")");
            }
        }
    }

    private static void interfaces(NetworkResult ref, NetworkResult got, Findings out) {
        Map<String, NetInterface> before = new LinkedHashMap<>();
        ref.getInterfacesList().forEach(i -> before.put(i.getName(), i));
        Map<String, NetInterface> now = new LinkedHashMap<>();
        got.getInterfacesList().forEach(i -> now.put(i.getName(), i));
        for (NetInterface i : now.values()) {
            NetInterface old = before.get(i.getName());
            if (old == null) {
                out.add("interface " + i.getName(), "network.interface.added", "", describe(i), "network interface " + describe(i) + " appeared");
            } else if (!describe(old).equals(describe(i))) {
                out.add("interface " + i.getName(), "network.interface.changed", describe(old), describe(i),
                        "network interface " + i.getName() + " changed from " + describe(old) + " to " + describe(i));
            }
        }
        for (NetInterface i : before.values()) {
            if (!now.containsKey(i.getName())) {
                out.add("interface " + i.getName(), "network.interface.removed", describe(i), "", "network interface " + describe(i) + " disappeared");
            }
        }
    }

    private static String describe(NetInterface i) {
        List<String> addrs = i.getAddressesList().stream().sorted().toList();
        return i.getName() + " " + i.getMac() + (i.getUp() ? " up" : " down") + " " + addrs;
    }

    private static Set<String> routes(List<Route> routes) {
        Set<String> s = new LinkedHashSet<>();
        for (Route r : routes) {
            s.add(r.getDestination() + " via " + (r.getGateway().isEmpty() ? "-" : r.getGateway()) + " dev " + r.getInterface());
        }
        return s;
    }
}
