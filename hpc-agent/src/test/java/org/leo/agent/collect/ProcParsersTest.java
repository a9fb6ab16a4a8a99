package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.leo.protocol.attest.v1.Socket;

/** The pure line parsers, by malformed case and exact message. */
class ProcParsersTest {
    @Test
    void statWithParenthesesAndSpacesInTheCommand() {
        assertThat(ProcStat.parse("42 (a) R 1 (b) R 1 42 42 0")).isEqualTo(new ProcStat(42, "a) R 1 (b", 'R', 1));
        assertThat(ProcStat.parse("7 () S 1 7")).isEqualTo(new ProcStat(7, "", 'S', 1));
        assertThat(ProcStat.parse("8 (tab\there) S 1")).isEqualTo(new ProcStat(8, "tab?here", 'S', 1));
    }

    @Test
    void malformedStatLinesAreRefusedWithASentence() {
        assertThatThrownBy(() -> ProcStat.parse("garbage")).isInstanceOf(ProcFormatException.class)
                .hasMessage("stat line has no \"(comm)\" field");
        assertThatThrownBy(() -> ProcStat.parse("x1 (a) S 1")).isInstanceOf(ProcFormatException.class)
                .hasMessage("stat line: pid \"x1\" is not a number");
        assertThatThrownBy(() -> ProcStat.parse("1 (a)")).isInstanceOf(ProcFormatException.class)
                .hasMessage("stat line of pid 1: expected \"state ppid\" after the comm");
        assertThatThrownBy(() -> ProcStat.parse("1 (a) S 99999999999")).isInstanceOf(ProcFormatException.class)
                .hasMessage("stat line: ppid \"99999999999\" is not a number");
        assertThatThrownBy(() -> ProcStat.parse("1 )a( S 1")).isInstanceOf(ProcFormatException.class);
        assertThatThrownBy(() -> ProcStat.parse("1 (" + "a".repeat(5000) + ") S 1"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("stat line: expected at most 4096 characters, got 5008");
    }

    @Test
    void tcpLinesDecodeAddressesPortsAndStates() {
        Socket s = SocketLineParser.parse("tcp", "   3: 0100007F:1F90 0100007F:D2F0 06 00000000:00000000 03:00000F3C 00000000 0 0 0 3");
        assertThat(s.getLocal()).isEqualTo("127.0.0.1:8080");
        assertThat(s.getRemote()).isEqualTo("127.0.0.1:54000");
        assertThat(s.getState()).isEqualTo("TIME_WAIT");
        assertThat(SocketLineParser.parse("tcp", "0: 00000000:0016 00000000:0000 0D").getState()).isEqualTo("UNKNOWN(0D)");
        assertThat(SocketLineParser.parse("udp", "0: 00000000:0016 00000000:0000 0A").getState()).isEqualTo("UNKNOWN(0A)");
    }

    @Test
    void malformedSocketLinesAreRefusedWithASentence() {
        assertThatThrownBy(() -> SocketLineParser.parse("tcp", "  sl  local_address rem_address   st tx_queue"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("tcp line: expected \"sl: local remote state\"");
        assertThatThrownBy(() -> SocketLineParser.parse("tcp6", "0: 00000000:0016 00000000:0000 0A"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("tcp6 endpoint \"00000000:0016\": expected 32 hex digits, ':' and a 4-digit port");
        assertThatThrownBy(() -> SocketLineParser.parse("tcp", "0: 0000000G:0016 00000000:0000 0A"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("\"G\" is not a hex digit");
        assertThatThrownBy(() -> SocketLineParser.parse("sctp", "0: 00000000:0016 00000000:0000 0A"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("socket table \"sctp\" is not one of [tcp, tcp6, udp, udp6]");
        assertThatThrownBy(() -> SocketLineParser.parse("tcp", "0: 00000000:0016 00000000:0000 0A0"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("hex number \"0A0\": expected 1 to 2 digits, got 3");
    }

    @Test
    void routeLines() {
        assertThat(RouteLineParser.parseIpv4("eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0").getDestination())
                .isEqualTo("10.0.0.0/24");
        assertThatThrownBy(() -> RouteLineParser.parseIpv4("eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FF00FF"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("netmask 255.0.255.0 is not contiguous");
        assertThatThrownBy(() -> RouteLineParser.parseIpv4("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask"))
                .isInstanceOf(ProcFormatException.class)
                .hasMessage("route destination \"Destination\": expected 8 hex digits, got 11");
    }
}
