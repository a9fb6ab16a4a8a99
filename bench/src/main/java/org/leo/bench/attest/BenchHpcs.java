package org.leo.bench.attest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.leo.boot.net.MacAddress;

/** Simulated HPC number {@code i} (0-based): source address 127.0.a.b and MAC 52:54:00:00:a:b, with a = i / 250 + 1, b = i % 250 + 1. */
final class BenchHpcs {
    private BenchHpcs() {
    }

    static InetAddress address(int i) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, (byte) (i / 250 + 1), (byte) (i % 250 + 1)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static MacAddress mac(int i) {
        return MacAddress.of(new byte[] {0x52, 0x54, 0, 0, (byte) (i / 250 + 1), (byte) (i % 250 + 1)});
    }

    /** The MAC of a 127.0.a.b source address (127.0.0.1: 52:54:00:00:00:01, the agent-cost run), or null for other addresses. */
    static MacAddress macOf(InetAddress a) {
        byte[] b = a.getAddress();
        if (a.isLoopbackAddress() && b.length == 4 && b[2] == 0 && b[3] == 1) {
            return MacAddress.parse("52:54:00:00:00:01");
        }
        if (b.length != 4 || b[0] != 127 || b[1] != 0 || b[2] == 0) {
            return null;
        }
        return MacAddress.of(new byte[] {0x52, 0x54, 0, 0, b[2], b[3]});
    }
}
