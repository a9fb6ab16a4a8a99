package org.leo.attest.action;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Power-cycles a QEMU VM through its QMP monitor socket ({@code -qmp unix:PATH,server,nowait}):
 * negotiates capabilities, then {@code system_reset}, which resets the machine as a power cycle
 * would (firmware runs again, the VM PXE-boots). The socket path is looked up per HPC.
 */
public final class QemuMonitorPowerControl implements PowerControl {
    /** A QMP reply larger than this is not one we asked for. */
    static final int MAX_REPLY = 64 * 1024;

    private final Function<String, Path> socketOf;

    public QemuMonitorPowerControl(Function<String, Path> socketOf) {
        this.socketOf = socketOf;
    }

    @Override
    public void powerCycle(String hpc) throws IOException {
        Path socket = socketOf.apply(hpc);
        if (socket == null) {
            throw new IOException("no QEMU monitor socket is known for " + hpc);
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            String greeting = readJson(ch);
            if (!greeting.contains("\"QMP\"")) {
                throw new IOException(socket + " is not a QMP monitor: " + greeting);
            }
            expectReturn(ch, "{\"execute\":\"qmp_capabilities\"}");
            expectReturn(ch, "{\"execute\":\"system_reset\"}");
        }
    }

    private static void expectReturn(SocketChannel ch, String command) throws IOException {
        ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
        while (true) {
            String reply = readJson(ch);
            if (reply.contains("\"return\"")) {
                return;
            }
            if (reply.contains("\"error\"")) {
                throw new IOException("QMP " + command + " failed: " + reply);
            }
            // an asynchronous event ({"event": ...}): read on
        }
    }

    /** Reads one line (QMP sends one JSON object per line). */
    private static String readJson(SocketChannel ch) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < MAX_REPLY) {
            one.clear();
            if (ch.read(one) < 0) {
                throw new IOException("QMP monitor closed the connection after '" + sb + "'");
            }
            char c = (char) one.get(0);
            if (c == '\n') {
                return sb.toString();
            }
            sb.append(c);
        }
        throw new IOException("QMP reply longer than " + MAX_REPLY + " bytes");
    }

    @Override
    public String describe() {
        return "QEMU monitor";
    }

    @Override
    public String describe(String hpc) {
        return "QEMU monitor " + socketOf.apply(hpc);
    }
}
