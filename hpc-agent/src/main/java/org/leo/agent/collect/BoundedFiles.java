package org.leo.agent.collect;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads kernel text files with bounds: a missing or unreadable file is an empty result, never an
 * exception, and no file (an endless line, a million entries) can make the agent allocate more
 * than the caps below. {@code /proc} files report size 0, so nothing here trusts a file's size.
 */
final class BoundedFiles {
    /** Longest line kept; a longer one is dropped whole (a truncated line could parse as another). */
    static final int MAX_LINE_LENGTH = 4096;
    /** Most entries listed from one directory ({@code /proc} has one per process). */
    static final int MAX_DIRECTORY_ENTRIES = 65_536;

    private BoundedFiles() {
    }

    /**
     * The first {@code maxBytes} bytes of {@code file} as UTF-8 (malformed bytes replaced), or
     * empty if it is missing or unreadable.
     */
    static Optional<String> readText(Path file, int maxBytes) {
        try (InputStream in = Files.newInputStream(file)) {
            return Optional.of(new String(in.readNBytes(maxBytes), StandardCharsets.UTF_8));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** {@link #readText} stripped of surrounding white space and clipped to {@code maxBytes}. */
    static Optional<String> readValue(Path file, int maxBytes) {
        return readText(file, maxBytes).map(String::strip);
    }

    /**
     * The first {@code maxLines} lines of {@code file} (without line terminators); lines over
     * {@link #MAX_LINE_LENGTH} bytes are dropped and do not count. Empty if missing or unreadable;
     * the lines read before an I/O error are kept.
     */
    static List<String> readLines(Path file, int maxLines) {
        List<String> lines = new ArrayList<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 16 * 1024)) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            boolean overlong = false;
            int b;
            while (lines.size() < maxLines && (b = in.read()) >= 0) {
                if (b == '\n') {
                    if (!overlong) {
                        lines.add(line.toString(StandardCharsets.UTF_8));
                    }
                    line.reset();
                    overlong = false;
                } else if (!overlong) {
                    if (line.size() >= MAX_LINE_LENGTH) {
                        overlong = true;
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            }
            if (lines.size() < maxLines && !overlong && line.size() > 0) {
                lines.add(line.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException | SecurityException e) {
            // Missing, unreadable or vanished mid-read: what was read so far.
        }
        return lines;
    }

    /**
     * The names in {@code dir}, sorted, at most {@link #MAX_DIRECTORY_ENTRIES}; empty if it is
     * missing or not a directory.
     */
    static List<String> list(Path dir) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (names.size() >= MAX_DIRECTORY_ENTRIES) {
                    break;
                }
                names.add(p.getFileName().toString());
            }
        } catch (IOException | SecurityException | java.nio.file.DirectoryIteratorException e) {
            // Missing or vanished: what was listed so far.
        }
        names.sort(null);
        return names;
    }
}
