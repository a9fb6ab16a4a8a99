package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import org.leo.protocol.attest.v1.Socket;

/**
 * Jazzer target for the /proc/net/{tcp,tcp6,udp,udp6} line parser. In a normal test run it replays
 * the seeds in {@code SocketLineParserFuzzTestInputs/fuzzLine/} (real lines of this machine and
 * crafted ones); with {@code JAZZER_FUZZ=1} it fuzzes. The first byte picks the table. Invariants:
 * only {@link ProcFormatException} escapes; an accepted socket has bounded, printable fields and a
 * known protocol.
 */
class SocketLineParserFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzLine(byte[] input) {
        if (input.length == 0) {
            return;
        }
        String protocol = SocketLineParser.PROTOCOLS.get((input[0] & 0xff) % SocketLineParser.PROTOCOLS.size());
        String line = new String(input, 1, input.length - 1, StandardCharsets.UTF_8);
        Socket s;
        try {
            s = SocketLineParser.parse(protocol, line);
        } catch (ProcFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(s.getProtocol()).isEqualTo(protocol);
        assertThat(s.getLocal().length()).isLessThanOrEqualTo(60);
        assertThat(s.getRemote().length()).isLessThanOrEqualTo(60);
        assertThat(s.getState()).matches("[A-Z0-9_()]+");
    }
}
