package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.leo.protocol.attest.v1.Route;

/**
 * Jazzer target for the route ({@code proc/net/route}, {@code ipv6_route}) and address
 * ({@code if_inet6}, {@code fib_trie}) parsers; seeds in {@code NetLineParsersFuzzTestInputs/fuzzLine/}.
 * The first byte picks the parser. Invariants: only {@link ProcFormatException} escapes; accepted
 * routes have a CIDR destination and a bounded interface name.
 */
class NetLineParsersFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzLine(byte[] input) {
        if (input.length == 0) {
            return;
        }
        String line = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        try {
            switch (input[0] & 3) {
                case 0 -> check(RouteLineParser.parseIpv4(line));
                case 1 -> check(RouteLineParser.parseIpv6(line));
                case 2 -> assertThat(AddressParsers.parseIfInet6(line).address()).contains("/");
                default -> assertThat(AddressParsers.localIpv4(List.of(line.split("\n", 64))))
                        .allSatisfy(a -> assertThat(AddressParsers.isDottedQuad(a)).isTrue());
            }
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
    }

    private static void check(Route r) {
        assertThat(r.getDestination()).matches("[0-9a-f.:]+/[0-9]{1,3}");
        assertThat(r.getInterface().length()).isBetween(1, RouteLineParser.MAX_IFNAME);
    }
}
