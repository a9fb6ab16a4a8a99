package org.leo.appliance.gateway;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The nftables ruleset of the HPC gateway (docs/gateway.md), made from a {@link GatewayConfig}: one {@code table inet leo}
 * that the file replaces as one transaction ({@code table}; {@code delete table}; the definition), so loading it twice
 * gives the same ruleset and a failed load leaves the previous one in place.
 *
 * <p>Traffic from the HPC interface is decided in {@code prerouting}, before routing, so an attempt to reach elsewhere is
 * counted whether or not the Pi forwards at all: replies accepted; a source outside the segment's subnet dropped;
 * anything for the Pi itself (its addresses, broadcast, multicast) goes to {@code to_pi}, which accepts the boot and
 * attestation ports and the IPv6 neighbour discovery they need; anything else is accepted only by a task allowance.
 * {@code input} checks the Pi's ports again (an allowance never opens the Pi itself), and {@code forward} drops what is
 * neither a reply nor an allowance (policy drop). Every drop counts in a named counter per {@link DropReason}, is
 * recorded by source MAC, source, destination, protocol and port in the attempt sets ({@link GatewayState} reads them),
 * and is logged, rate-limited.
 */
public final class GatewayRuleset {
    /** The table, in the inet family (IPv4 and IPv6 in one). */
    public static final String TABLE = "leo";
    /** The attempt sets: one element per (source MAC, source, destination, protocol, port), with a counter. */
    public static final String ATTEMPTS_V4 = "attempts4";
    public static final String ATTEMPTS_V6 = "attempts6";
    /**
     * Elements per attempt set. Bounds the kernel memory an HPC can make the Pi spend (some 100 bytes each); when a set
     * is full, further attempts are still dropped, counted and logged, but not attributed ({@link EgressWatch} says how many).
     */
    public static final int ATTEMPT_SET_SIZE = 4096;
    /** An element is forgotten this long after its last packet. */
    public static final String ATTEMPT_TIMEOUT = "1h";
    /** Log lines per drop reason: at most this rate (the counters count every packet). */
    public static final String LOG_LIMIT = "limit rate 20/second burst 50 packets";

    private GatewayRuleset() {
    }

    /** The ruleset for {@code c}, as {@code nft -f} reads it. Deterministic: the same configuration gives the same text. */
    public static String render(GatewayConfig c) {
        String hpc = quote(c.hpcInterface());
        String out = c.uplink().map(u -> "oifname " + quote(u)).orElse("oifname != " + hpc);
        StringBuilder b = new StringBuilder();
        b.append("# Leo's HPC gateway (docs/gateway.md): made by 'leo gateway rules', loaded by 'leo gateway apply'.\n");
        b.append("# HPC segment ").append(c.hpcInterface()).append(c.subnet().map(s -> " (" + s + ")").orElse(" (no subnet given: sources not checked)"))
                .append(", uplink ").append(c.uplink().orElse("(any other interface)"))
                .append(", log ").append(c.logGroup().isPresent() ? "NFLOG group " + c.logGroup().getAsInt() : "to the kernel log").append(".\n");
        b.append("# Open to the HPC segment: ").append(c.piPorts().stream().map(p -> p.protocol() + " " + p.port() + " (" + p.service() + ")")
                .collect(Collectors.joining(", "))).append(", IPv6 neighbour discovery; task allowances: ")
                .append(c.allowances().isEmpty() ? "none" : c.allowances().stream().map(Allowance::toString).collect(Collectors.joining(" "))).append(".\n");
        b.append("table inet ").append(TABLE).append('\n');
        b.append("delete table inet ").append(TABLE).append('\n');
        b.append("table inet ").append(TABLE).append(" {\n");
        for (DropReason r : DropReason.values()) {
            b.append("\tcounter ").append(r.counter()).append(" {\n\t\tcomment \"").append(r.meaning()).append("\"\n\t}\n\n");
        }
        attemptSet(b, ATTEMPTS_V4, "ipv4_addr");
        attemptSet(b, ATTEMPTS_V6, "ipv6_addr");

        chain(b, "prerouting", "type filter hook prerouting priority filter; policy accept;",
                "iifname " + hpc + " jump from_hpc");
        chain(b, "input", "type filter hook input priority filter; policy accept;",
                "iifname " + hpc + " ct state established,related accept",
                "iifname " + hpc + " jump to_pi");
        List<String> forward = new java.util.ArrayList<>(List.of("ct state established,related accept"));
        for (Allowance a : c.allowances()) {
            forward.add("iifname " + hpc + " " + out + " " + a.match() + " accept");
        }
        forward.add("goto drop_" + DropReason.FORWARD.counter());
        chain(b, "forward", "type filter hook forward priority filter; policy drop;", forward.toArray(String[]::new));
        List<Allowance> nat = c.allowances().stream().filter(Allowance::nat).toList();
        if (!nat.isEmpty()) {
            chain(b, "postrouting", "type nat hook postrouting priority srcnat; policy accept;",
                    nat.stream().map(a -> "iifname " + hpc + " " + out + " " + a.match() + " masquerade").toArray(String[]::new));
        }

        List<String> fromHpc = new java.util.ArrayList<>(List.of("ct state established,related accept"));
        c.subnet().ifPresent(s -> fromHpc.add("ip saddr != { 0.0.0.0, " + s + " } goto drop_" + DropReason.SPOOFED.counter()));
        fromHpc.add("fib daddr type { local, broadcast, multicast } goto to_pi");
        for (Allowance a : c.allowances()) {
            fromHpc.add(a.match() + " accept comment \"task allowance " + a + "\"");
        }
        fromHpc.add("goto drop_" + DropReason.EGRESS.counter());
        chain(b, "from_hpc", null, fromHpc.toArray(String[]::new));

        List<String> toPi = new java.util.ArrayList<>();
        for (GatewayConfig.PiPort p : c.piPorts()) {
            toPi.add(p.protocol() + " dport " + p.port() + " accept comment \"" + p.service() + "\"");
        }
        toPi.add("icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld-listener-done, "
                + "mld2-listener-report } accept comment \"IPv6 router solicitation, neighbour discovery, multicast listeners\"");
        toPi.add("ip protocol igmp accept comment \"IPv4 multicast group membership\"");
        c.operatorPort().ifPresent(p -> toPi.add("tcp dport " + p + " goto drop_" + DropReason.OPERATOR_PORT.counter()));
        toPi.add("goto drop_" + DropReason.PI_PORT.counter());
        chain(b, "to_pi", null, toPi.toArray(String[]::new));

        // queue-threshold 1: each line reaches the NFLOG reader at once, not in batches held up to a second in the kernel
        String log = c.logGroup().isPresent() ? " group " + c.logGroup().getAsInt() + " queue-threshold 1" : "";
        for (DropReason r : DropReason.values()) {
            List<String> rules = new java.util.ArrayList<>(List.of("counter name \"" + r.counter() + "\""));
            if (r.fromHpc()) {
                rules.add("jump record");
            }
            rules.add(LOG_LIMIT + " log prefix \"" + r.logPrefix() + "\"" + log);
            rules.add("drop");
            chain(b, "drop_" + r.counter(), null, rules.toArray(String[]::new));
        }
        // A full set makes an update fail, which ends that rule only: the caller still logs and drops.
        chain(b, "record", null,
                "meta l4proto { tcp, udp } update @" + ATTEMPTS_V4 + " { ether saddr . ip saddr . ip daddr . meta l4proto . th dport }",
                "meta l4proto != { tcp, udp } update @" + ATTEMPTS_V4 + " { ether saddr . ip saddr . ip daddr . meta l4proto . 0 }",
                "meta l4proto { tcp, udp } update @" + ATTEMPTS_V6 + " { ether saddr . ip6 saddr . ip6 daddr . meta l4proto . th dport }",
                "meta l4proto != { tcp, udp } update @" + ATTEMPTS_V6 + " { ether saddr . ip6 saddr . ip6 daddr . meta l4proto . 0 }");
        b.setLength(b.length() - 1); // no blank line before the closing brace
        b.append("}\n");
        return b.toString();
    }

    private static void attemptSet(StringBuilder b, String name, String addressType) {
        b.append("\tset ").append(name).append(" {\n")
                .append("\t\ttype ether_addr . ").append(addressType).append(" . ").append(addressType).append(" . inet_proto . inet_service\n")
                .append("\t\tsize ").append(ATTEMPT_SET_SIZE).append('\n')
                .append("\t\tflags dynamic,timeout\n")
                .append("\t\tcounter\n")
                .append("\t\ttimeout ").append(ATTEMPT_TIMEOUT).append('\n')
                .append("\t}\n\n");
    }

    private static void chain(StringBuilder b, String name, String hook, String... rules) {
        b.append("\tchain ").append(name).append(" {\n");
        if (hook != null) {
            b.append("\t\t").append(hook).append('\n');
        }
        for (String r : rules) {
            b.append("\t\t").append(r).append('\n');
        }
        b.append("\t}\n\n");
    }

    private static String quote(String interfaceName) {
        return "\"" + interfaceName + "\"";
    }
}
