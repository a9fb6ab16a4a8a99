package org.leo.pxe.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of QEMU's human monitor (HMP) on a unix socket ({@code -monitor unix:PATH,server=on,wait=off}).
 * HMP echoes the command line and ends every answer with the prompt {@value #PROMPT}; the echo, the
 * prompt and the readline escape sequences are stripped from what {@link #command} returns.
 */
final class HmpMonitor implements AutoCloseable {
    static final String PROMPT = "(qemu) ";
    /** Cap on one answer: {@code info} commands print a few KiB; anything bigger is a runaway. */
    private static final int MAX_ANSWER_BYTES = 1 << 20;

    private final SocketChannel channel;
    private final Selector selector;

    private HmpMonitor(SocketChannel channel, Selector selector) {
        this.channel = channel;
        this.selector = selector;
    }

    /** Connects (retrying while QEMU has not created the socket yet) and reads the banner. */
    static HmpMonitor connect(Path socket, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
                ch.configureBlocking(false);
                Selector sel = Selector.open();
                ch.register(sel, SelectionKey.OP_READ);
                HmpMonitor m = new HmpMonitor(ch, sel);
                m.readUntilPrompt(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                return m;
            } catch (IOException e) {
                ch.close();
                last = e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted connecting to " + socket, ie);
                }
            }
        }
        throw new IOException("QEMU monitor " + socket + " not available within " + timeout, last);
    }

    /** Sends one HMP command line and returns its answer (without echo and prompt). */
    synchronized String command(String line, Duration timeout) throws IOException {
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("one HMP command per call, no newlines: " + line);
        }
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        return clean(line, readUntilPrompt(timeout));
    }

    static String clean(String commandLine, String raw) {
        StringBuilder b = new StringBuilder();
        for (String l : raw.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1)) {
            b.append(LineRecorder.clean(l)).append('\n');
        }
        String s = b.substring(0, b.length() - 1);
        // the last prompt, then the echo: readline echoes the typed line (possibly redrawn) first
        if (s.endsWith(PROMPT)) {
            s = s.substring(0, s.length() - PROMPT.length());
        }
        int echo = s.indexOf(commandLine);
        if (echo >= 0) {
            int nl = s.indexOf('\n', echo + commandLine.length());
            s = nl < 0 ? "" : s.substring(nl + 1);
        }
        return s.strip();
    }

    private String readUntilPrompt(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream acc = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (true) {
            String sofar = acc.toString(StandardCharsets.UTF_8);
            if (sofar.endsWith(PROMPT)) {
                return sofar;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("no HMP prompt within " + timeout + ", got: " + sofar);
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            buf.clear();
            int n = channel.read(buf);
            if (n < 0) {
                throw new IOException("QEMU closed the monitor, got: " + sofar);
            }
            acc.write(buf.array(), 0, n);
            if (acc.size() > MAX_ANSWER_BYTES) {
                throw new IOException("HMP answer larger than " + MAX_ANSWER_BYTES + " bytes");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            selector.close();
        } finally {
            channel.close();
        }
    }
}
