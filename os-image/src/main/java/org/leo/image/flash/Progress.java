package org.leo.image.flash;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress of a long copy on standard error: bytes done of the total, MiB/s since the start and the time left at that
 * rate. On a terminal one line is rewritten in place ({@code \r}) at most a few times a second; otherwise (a log, a
 * pipe, a test) a whole line is written at most once a second. The last call ({@link #done}) always writes its line
 * and ends it.
 */
public final class Progress {
    static final long MIB = 1L << 20;
    /** At most a line a second in a log; a terminal line is redrawn at most every 200 ms. */
    static final long LOG_INTERVAL_NANOS = 1_000_000_000L;
    static final long TTY_INTERVAL_NANOS = 200_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final String verb;
    private final long total;
    private final LongSupplier nanoClock;
    private final long start;
    private long lastShown;
    private boolean shown;

    /**
     * @param verb      "wrote", "read back": starts each line
     * @param terminal  whether {@code out} is a terminal ({@link LinuxIo#isatty})
     * @param nanoClock {@link System#nanoTime} (a test passes its own)
     */
    public Progress(PrintStream out, boolean terminal, String verb, long total, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.verb = verb;
        this.total = total;
        this.nanoClock = nanoClock;
        this.start = nanoClock.getAsLong();
        this.lastShown = start;
    }

    /** A progress that says nothing (--json, or a caller that reports otherwise). */
    public static Progress silent(long total) {
        return new Progress(null, false, "", total, System::nanoTime);
    }

    /** {@code done} bytes of the total are through: shows a line if the last one is old enough. */
    public void update(long done) {
        if (out == null || done >= total) {
            return; // the last line is done()'s
        }
        long now = nanoClock.getAsLong();
        if (now - lastShown < (terminal ? TTY_INTERVAL_NANOS : LOG_INTERVAL_NANOS)) {
            return;
        }
        lastShown = now;
        shown = true;
        if (terminal) {
            out.print("\r" + line(verb, done, total, now - start) + "\033[K");
        } else {
            out.println(line(verb, done, total, now - start));
        }
        out.flush();
    }

    /** The copy is complete: its last line, ended. Returns the elapsed nanoseconds. */
    public long done(long done) {
        long elapsed = nanoClock.getAsLong() - start;
        if (out != null) {
            out.print((terminal && shown ? "\r" : "") + line(verb, done, total, elapsed) + (terminal ? "\033[K" : "") + "\n");
            out.flush();
        }
        return elapsed;
    }

    /** "wrote 16.0 MiB of 64.0 MiB (25%), 120.5 MiB/s, 0:00:01 left"; when complete "wrote 64.0 MiB in 0.5 s, 128.0 MiB/s". */
    public static String line(String verb, long done, long total, long elapsedNanos) {
        String rate = rate(done, elapsedNanos);
        if (done >= total) {
            return String.format(Locale.ROOT, "%s %s in %.1f s, %s", verb, bytes(done), elapsedNanos / 1e9, rate);
        }
        String eta = "?";
        if (done > 0 && elapsedNanos > 0) {
            long secondsLeft = (long) Math.ceil((double) (total - done) * elapsedNanos / done / 1e9);
            eta = String.format(Locale.ROOT, "%d:%02d:%02d", secondsLeft / 3600, secondsLeft / 60 % 60, secondsLeft % 60);
        }
        return String.format(Locale.ROOT, "%s %s of %s (%d%%), %s, %s left", verb, bytes(done), bytes(total),
                total == 0 ? 100 : done * 100 / total, rate, eta);
    }

    /** MiB/s with one decimal, or "? MiB/s" before any time has passed. */
    public static String rate(long bytes, long elapsedNanos) {
        return elapsedNanos <= 0 ? "? MiB/s" : String.format(Locale.ROOT, "%.1f MiB/s", mibPerSecond(bytes, elapsedNanos));
    }

    public static double mibPerSecond(long bytes, long elapsedNanos) {
        return elapsedNanos <= 0 ? 0 : (double) bytes / MIB / (elapsedNanos / 1e9);
    }

    /** "64.0 MiB", "1.5 GiB", "512 bytes". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " bytes";
        }
        if (n < (1L << 30)) {
            return String.format(Locale.ROOT, "%.1f %s", n >= MIB ? (double) n / MIB : n / 1024.0, n >= MIB ? "MiB" : "KiB");
        }
        return String.format(Locale.ROOT, "%.1f GiB", (double) n / (1L << 30));
    }
}
