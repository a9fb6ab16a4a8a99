package org.leo.image.flash;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link Progress}: its lines, at most one a second in a log, one redrawn line on a terminal, and always the last. */
class ProgressTest {
    static final long S = 1_000_000_000L;
    static final long MIB = 1L << 20;

    /** A clock the test moves. */
    static final class Clock {
        long now = 5 * S;
    }

    @Test
    void aLogGetsAtMostALineASecondAndTheLastOneAlways() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Clock clock = new Clock();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, "wrote", 64 * MIB, () -> clock.now);
        for (int i = 1; i <= 64; i++) {
            clock.now += S / 8; // 8 MiB/s: a chunk every 125 ms
            p.update(i * MIB);
        }
        assertThat(p.done(64 * MIB)).isEqualTo(8 * S);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(8).startsWith("wrote 8.0 MiB of 64.0 MiB (12%), 8.0 MiB/s, 0:00:07 left");
        assertThat(lines[6]).isEqualTo("wrote 56.0 MiB of 64.0 MiB (87%), 8.0 MiB/s, 0:00:01 left");
        assertThat(lines[7]).isEqualTo("wrote 64.0 MiB in 8.0 s, 8.0 MiB/s");
    }

    @Test
    void aTerminalGetsOneLineRedrawn() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Clock clock = new Clock();
        Progress p = new Progress(new PrintStream(bytes, true, StandardCharsets.UTF_8), true, "read back", 4 * MIB, () -> clock.now);
        clock.now += S / 4;
        p.update(MIB);
        clock.now += S / 10;
        p.update(2 * MIB); // too soon after the last redraw
        clock.now += S / 4;
        p.update(3 * MIB);
        p.done(4 * MIB);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("\rread back 1.0 MiB of 4.0 MiB (25%), 4.0 MiB/s, 0:00:01 left\033[K"
                + "\rread back 3.0 MiB of 4.0 MiB (75%), 5.0 MiB/s, 0:00:01 left\033[K"
                + "\rread back 4.0 MiB in 0.6 s, 6.7 MiB/s\033[K\n");
    }

    @Test
    void sizesAndRates() {
        assertThat(Progress.bytes(0)).isEqualTo("0 bytes");
        assertThat(Progress.bytes(1023)).isEqualTo("1023 bytes");
        assertThat(Progress.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Progress.bytes(64 * MIB)).isEqualTo("64.0 MiB");
        assertThat(Progress.bytes(3L << 30)).isEqualTo("3.0 GiB");
        assertThat(Progress.rate(MIB, 0)).isEqualTo("? MiB/s");
        assertThat(Progress.line("wrote", 0, MIB, 0)).isEqualTo("wrote 0 bytes of 1.0 MiB (0%), ? MiB/s, ? left");
        assertThat(Progress.line("wrote", 0, 0, S)).isEqualTo("wrote 0 bytes in 1.0 s, 0.0 MiB/s");
    }

    @Test
    void deviceNumbersDecodeAsGlibcDoes() {
        assertThat(FlashTarget.major(0x0700L)).isEqualTo(7);
        assertThat(FlashTarget.minor(0x0703L)).isEqualTo(3);
        assertThat(FlashTarget.major(0xfe00L)).isEqualTo(254);
        // makedev(259, 1048575): minor bits above 8 live at bits 20..31
        long dev = (259L & 0xfff) << 8 | (1048575L & 0xff) | (1048575L & ~0xffL) << 12;
        assertThat(FlashTarget.major(dev)).isEqualTo(259);
        assertThat(FlashTarget.minor(dev)).isEqualTo(1048575);
    }
}
