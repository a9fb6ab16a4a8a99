package org.leo.pxe.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineRecorderTest {

    @Test
    void splitsLinesStripsEscapesAndLogs(@TempDir Path dir) throws Exception {
        // OVMF/iPXE style: ESC sequences, CR LF, a screen clear, a final line without newline
        String raw = "\u001bc\u001b[2J\u001b[01;01HBdsDxe: loading\r\n\u001b[=3h\u001b[=3hiPXE 1.0.0\r\nLEO-DONE tail";
        LineRecorder r = new LineRecorder("t", new ByteArrayInputStream(raw.getBytes(StandardCharsets.US_ASCII)),
                dir.resolve("log"), System.nanoTime());
        assertThat(r.await(Pattern.compile("LEO-DONE"), 0, Duration.ofSeconds(5), () -> false)).isPresent();
        r.join(Duration.ofSeconds(5));
        assertThat(r.lines()).extracting(TimedLine::text).containsExactly("BdsDxe: loading", "iPXE 1.0.0", "LEO-DONE tail");
        assertThat(r.firstByteNanoTime()).isPresent();
        assertThat(Files.readAllLines(dir.resolve("log"))).hasSize(3).allMatch(l -> l.matches("\\+ *\\d+\\.\\d{3} .*"));
    }

    @Test
    void awaitReturnsEmptyAtEndOfStreamAndHonoursFromIndex(@TempDir Path dir) throws Exception {
        LineRecorder r = new LineRecorder("t", new ByteArrayInputStream("a x\nb x\n".getBytes(StandardCharsets.US_ASCII)),
                dir.resolve("log"), System.nanoTime());
        assertThat(r.await(Pattern.compile("x"), 1, Duration.ofSeconds(5), () -> false))
                .hasValueSatisfying(l -> assertThat(l.text()).isEqualTo("b x"));
        assertThat(r.await(Pattern.compile("never"), 0, Duration.ofSeconds(30), () -> false)).isEmpty();
    }

    @Test
    void capsRunawayLines(@TempDir Path dir) throws Exception {
        byte[] raw = "y".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
        LineRecorder r = new LineRecorder("t", new ByteArrayInputStream(raw), dir.resolve("log"), System.nanoTime());
        r.join(Duration.ofSeconds(5));
        assertThat(r.lines()).hasSize(3).allMatch(l -> l.text().length() <= 4096);
    }
}
