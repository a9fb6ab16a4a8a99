package org.leo.pxe.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

/**
 * Reads a process output stream on its own daemon thread, splits it into {@link TimedLine}s (cleaned
 * of CR and ANSI/VT100 escapes, which firmware and iPXE emit) and appends each to a log file as
 * {@code +SSS.mmm text} relative to an origin. Waiters block on {@link #await}.
 */
public final class LineRecorder {
    /** A line longer than this is split: firmware can print without newlines for a long time. */
    private static final int MAX_LINE_CHARS = 4096;
    private static final Pattern ANSI = Pattern.compile("\\e\\[[0-9;?=<>]*[A-Za-z@]|\\e[()][0-9A-Za-z]|\\e[c78=>]");

    private final long originNanoTime;
    private final List<TimedLine> lines = new ArrayList<>();
    private final OutputStream log;
    private final Thread thread;
    private long firstByteNanoTime = -1;
    private boolean eof;

    LineRecorder(String name, InputStream in, Path logFile, long originNanoTime) throws IOException {
        this.originNanoTime = originNanoTime;
        this.log = Files.newOutputStream(logFile);
        this.thread = new Thread(() -> pump(in), name);
        thread.setDaemon(true);
        thread.start();
    }

    private void pump(InputStream in) {
        StringBuilder cur = new StringBuilder();
        byte[] buf = new byte[4096];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                long now = System.nanoTime();
                synchronized (this) {
                    if (firstByteNanoTime < 0) {
                        firstByteNanoTime = now;
                        notifyAll();
                    }
                }
                // Serial text is ASCII in practice; decode per byte so a split read never corrupts it.
                for (int i = 0; i < n; i++) {
                    char c = (char) (buf[i] & 0xff);
                    if (c == '\n' || cur.length() >= MAX_LINE_CHARS) {
                        add(cur.toString(), now);
                        cur.setLength(0);
                        if (c != '\n') {
                            cur.append(c);
                        }
                    } else {
                        cur.append(c);
                    }
                }
            }
        } catch (IOException e) {
            // process gone: the stream is closed under us
        } finally {
            if (cur.length() > 0) {
                add(cur.toString(), System.nanoTime());
            }
            synchronized (this) {
                eof = true;
                notifyAll();
            }
            try {
                log.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    static String clean(String raw) {
        String s = ANSI.matcher(raw).replaceAll("");
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f || c == '\t') {
                b.append(c);
            }
        }
        return b.toString();
    }

    private void add(String raw, long nanoTime) {
        String text = clean(raw);
        TimedLine line;
        synchronized (this) {
            line = new TimedLine(lines.size(), nanoTime, text);
            lines.add(line);
            notifyAll();
        }
        try {
            log.write(String.format(Locale.ROOT, "+%8.3f %s%n", (nanoTime - originNanoTime) / 1e9, text)
                    .getBytes(StandardCharsets.UTF_8));
            log.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized List<TimedLine> lines() {
        return List.copyOf(lines);
    }

    synchronized Optional<Long> firstByteNanoTime() {
        return firstByteNanoTime < 0 ? Optional.empty() : Optional.of(firstByteNanoTime);
    }

    synchronized boolean atEof() {
        return eof;
    }

    /** First line with index >= {@code fromIndex} in which {@code pattern} is found, or empty. */
    public synchronized Optional<TimedLine> find(Pattern pattern, int fromIndex) {
        for (int i = Math.max(0, fromIndex); i < lines.size(); i++) {
            if (pattern.matcher(lines.get(i).text()).find()) {
                return Optional.of(lines.get(i));
            }
        }
        return Optional.empty();
    }

    /**
     * Waits for a line (index >= fromIndex) containing {@code pattern}. Returns empty on timeout, at
     * end of stream, or as soon as {@code giveUp} says so (e.g. the process exited).
     */
    public Optional<TimedLine> await(Pattern pattern, int fromIndex, Duration timeout, BooleanSupplier giveUp)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            int scanned = Math.max(0, fromIndex);
            while (true) {
                for (; scanned < lines.size(); scanned++) {
                    if (pattern.matcher(lines.get(scanned).text()).find()) {
                        return Optional.of(lines.get(scanned));
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || eof || giveUp.getAsBoolean()) {
                    return Optional.empty();
                }
                wait(Math.max(1, Math.min(200, left / 1_000_000)));
            }
        }
    }

    void join(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
    }
}
