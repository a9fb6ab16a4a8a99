package org.leo.agent.collect;

import java.util.List;
import org.leo.protocol.attest.v1.Socket;

/**
 * Parses one socket line of {@code /proc/net/tcp}, {@code tcp6}, {@code udp} or {@code udp6}
 * (proc(5)): {@code "  0: 0100007F:0050 00000000:0000 0A ..."} is a TCP socket listening on
 * 127.0.0.1:80. Pure; throws only {@link ProcFormatException}. The header line ({@code "sl
 * local_address ..."}) is not a socket and is refused like any malformed line.
 */
public final class SocketLineParser {
    /** The four tables and the address width each prints, in hex digits. */
    public static final List<String> PROTOCOLS = List.of("tcp", "tcp6", "udp", "udp6");
    /** Longest line parsed (a real one is ~150 characters). */
    public static final int MAX_LINE_LENGTH = 512;

    /** TCP states, include/net/tcp_states.h; index = the state's hex code. */
    private static final String[] TCP_STATES = {null, "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
        "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV"};
    private static final int TCP_CLOSE = 7;
    private static final int TCP_ESTABLISHED = 1;

    private SocketLineParser() {
    }

    /**
     * The socket on {@code line} of the {@code protocol} table ("tcp", "tcp6", "udp", "udp6").
     */
    public static Socket parse(String protocol, String line) {
        if (!PROTOCOLS.contains(protocol)) {
            throw new ProcFormatException("socket table \"" + Text.printable(protocol, 16) + "\" is not one of "
                    + PROTOCOLS);
        }
        if (line.length() > MAX_LINE_LENGTH) {
            throw new ProcFormatException(protocol + " line: expected at most " + MAX_LINE_LENGTH
                    + " characters, got " + line.length());
        }
        String[] f = line.strip().split("\\s+", 5);
        if (f.length < 4 || !f[0].endsWith(":") || !Text.isDigits(f[0].substring(0, f[0].length() - 1), 10)) {
            throw new ProcFormatException(protocol + " line: expected \"sl: local remote state\"");
        }
        int width = protocol.endsWith("6") ? 32 : 8;
        String local = endpoint(protocol, f[1], width);
        String remote = endpoint(protocol, f[2], width);
        int code = (int) InetHex.number(f[3], 2);
        return Socket.newBuilder().setProtocol(protocol).setLocal(local).setRemote(remote)
                .setState(state(protocol, code)).build();
    }

    /** The state name of {@code code} in a table of {@code protocol}. */
    static String state(String protocol, int code) {
        if (protocol.startsWith("udp")) {
            if (code == TCP_CLOSE) {
                return "UNCONN";
            }
            if (code == TCP_ESTABLISHED) {
                return "ESTABLISHED";
            }
        } else if (code > 0 && code < TCP_STATES.length) {
            return TCP_STATES[code];
        }
        return String.format("UNKNOWN(%02X)", code);
    }

    private static String endpoint(String protocol, String field, int width) {
        int colon = field.indexOf(':');
        if (colon != width || field.length() != width + 5) {
            throw new ProcFormatException(protocol + " endpoint \"" + Text.printable(field, 48) + "\": expected "
                    + width + " hex digits, ':' and a 4-digit port");
        }
        String address = InetHex.format(InetHex.wordSwapped(field.substring(0, width)));
        long port = InetHex.number(field.substring(colon + 1), 4);
        return width == 8 ? address + ":" + port : "[" + address + "]:" + port;
    }
}
