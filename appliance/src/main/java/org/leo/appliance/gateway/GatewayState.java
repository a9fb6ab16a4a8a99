package org.leo.appliance.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * The gateway's counters and attempt sets as {@code nft -j list table inet leo} prints them: a pure parser, so it is
 * tested on nft's own output without a kernel. The values in the attempt sets come from HPC packets, but the kernel typed
 * them (a MAC, two addresses, a protocol, a port): they are parsed as literals and never looked up.
 *
 * @param counters every named counter of the table, by name, in nft's order
 * @param attempts the elements of both attempt sets, at most {@link #MAX_ATTEMPTS}
 */
public record GatewayState(Map<String, Count> counters, List<Attempt> attempts) {
    /** Both sets full; more (a table made by something else) are left out. */
    public static final int MAX_ATTEMPTS = 2 * GatewayRuleset.ATTEMPT_SET_SIZE;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Packets and bytes of a counter or a set element. */
    public record Count(long packets, long bytes) { }

    /**
     * Who tried to reach what: one element of an attempt set. {@code protocol} is nft's name ({@code tcp}, {@code udp},
     * {@code icmp}, {@code ipv6-icmp}) or number; {@code port} is 0 for protocols without ports.
     */
    public record Attempt(MacAddress mac, InetAddress source, InetAddress destination, String protocol, int port, long packets, long bytes) {
        /** What identifies it from one reading to the next. */
        public Key key() {
            return new Key(mac, source, destination, protocol, port);
        }

        /** {@code tcp 192.0.2.7:443}, {@code icmp 192.0.2.7}. */
        public String target() {
            String a = Addresses.text(destination);
            return protocol + " " + (port == 0 && !protocol.equals("tcp") && !protocol.equals("udp") ? a
                    : (a.contains(":") ? "[" + a + "]" : a) + ":" + port);
        }
    }

    /** An attempt without its counts. */
    public record Key(MacAddress mac, InetAddress source, InetAddress destination, String protocol, int port) { }

    public GatewayState {
        counters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counters));
        attempts = List.copyOf(attempts);
    }

    /** Parses {@code nft -j list table inet leo}; a document of another shape is an {@link IOException} saying what. */
    public static GatewayState parse(String json) throws IOException {
        JsonNode root = MAPPER.readTree(json);
        JsonNode items = root == null ? null : root.get("nftables");
        if (items == null || !items.isArray()) {
            throw new IOException("not nft's JSON: no 'nftables' array");
        }
        Map<String, Count> counters = new LinkedHashMap<>();
        List<Attempt> attempts = new ArrayList<>();
        for (JsonNode item : items) {
            JsonNode counter = item.get("counter");
            if (counter != null && counter.hasNonNull("name")) {
                counters.put(counter.get("name").asText(), count(counter));
            }
            JsonNode set = item.get("set");
            if (set != null && isAttemptSet(set.path("name").asText()) && set.has("elem")) {
                for (JsonNode e : set.get("elem")) {
                    if (attempts.size() >= MAX_ATTEMPTS) {
                        break;
                    }
                    attempt(e.path("elem")).ifPresent(attempts::add);
                }
            }
        }
        return new GatewayState(counters, attempts);
    }

    private static boolean isAttemptSet(String name) {
        return name.equals(GatewayRuleset.ATTEMPTS_V4) || name.equals(GatewayRuleset.ATTEMPTS_V6);
    }

    private static Count count(JsonNode n) {
        return new Count(n.path("packets").asLong(0), n.path("bytes").asLong(0));
    }

    /** One element {@code {val: {concat: [mac, source, destination, protocol, port]}, counter: {...}}}; anything else is skipped. */
    private static Optional<Attempt> attempt(JsonNode elem) throws IOException {
        JsonNode concat = elem.path("val").path("concat");
        if (!concat.isArray() || concat.size() != 5) {
            return Optional.empty();
        }
        String protocol = concat.get(3).asText();
        if (!protocol.matches("[a-z0-9-]{1,16}")) {
            throw new IOException("attempt set: protocol '" + protocol + "' is not a protocol name or number");
        }
        int port = concat.get(4).asInt(-1);
        if (port < 0 || port > 65535) {
            throw new IOException("attempt set: port '" + concat.get(4).asText() + "' is not a port");
        }
        try {
            MacAddress mac = MacAddress.parse(concat.get(0).asText());
            InetAddress source = Addresses.parse(concat.get(1).asText());
            InetAddress destination = Addresses.parse(concat.get(2).asText());
            Count c = count(elem.path("counter"));
            return Optional.of(new Attempt(mac, source, destination, protocol, port, c.packets(), c.bytes()));
        } catch (IllegalArgumentException e) {
            throw new IOException("attempt set: " + e.getMessage(), e);
        }
    }
}
