package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our newc writer against GNU cpio, an independent reader. */
class CpioWriterTest {
    @TempDir
    Path tmp;

    static List<CpioWriter.Entry> sample() {
        return List.of(
                CpioWriter.Entry.file("etc/motd", 0644, "hello\n".getBytes(StandardCharsets.US_ASCII)),
                CpioWriter.Entry.dir("etc", 0755),
                CpioWriter.Entry.dir("bin", 0755),
                CpioWriter.Entry.file("bin/tool", 0755, new byte[] {1, 2, 3}),
                CpioWriter.Entry.symlink("bin/sh", "tool"),
                CpioWriter.Entry.dir("dev", 0755),
                CpioWriter.Entry.charDevice("dev/console", 0600, 5, 1),
                CpioWriter.Entry.file("init", 0755, "#!/bin/sh\n".getBytes(StandardCharsets.US_ASCII)),
                CpioWriter.Entry.file("empty", 0600, new byte[0]));
    }

    static byte[] write(List<CpioWriter.Entry> entries, long mtime) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CpioWriter.write(entries, mtime, out);
        return out.toByteArray();
    }

    @Test
    void gnuCpioListsItSortedOwnedByRootAtTheGivenTime() throws Exception {
        Path a = tmp.resolve("a.cpio");
        Files.write(a, write(sample(), 1_700_000_000L));
        String listing = Processes.run(tmp, List.of("sh", "-c", "cpio -itv --numeric-uid-gid < a.cpio"), 30);
        String names = Processes.run(tmp, List.of("sh", "-c", "cpio -it --quiet < a.cpio"), 30);
        assertThat(names.lines().toList())
                .containsExactly("bin", "bin/sh", "bin/tool", "dev", "dev/console", "empty", "etc", "etc/motd", "init");
        assertThat(listing).contains("bin/sh -> tool");
        assertThat(listing).contains("drwxr-xr-x   2 0        0").contains("-rwxr-xr-x   1 0        0").contains("crw-------   1 0        0")
                .contains("Nov 14  2023");
        assertThat(listing.lines().filter(l -> l.contains("dev/console")).findFirst().orElseThrow()).contains("5,   1");
    }

    @Test
    void gnuCpioExtractsTheSameBytesModesAndLinks() throws Exception {
        Path a = tmp.resolve("a.cpio");
        Files.write(a, write(sample(), 0));
        Path x = Files.createDirectories(tmp.resolve("x"));
        Processes.run(x, List.of("sh", "-c", "cpio -idm --no-absolute-filenames --quiet < ../a.cpio 2>&1 | grep -v 'Operation not permitted' || true"), 30);
        assertThat(Files.readString(x.resolve("etc/motd"))).isEqualTo("hello\n");
        assertThat(Files.readAllBytes(x.resolve("bin/tool"))).containsExactly(1, 2, 3);
        assertThat(Files.readSymbolicLink(x.resolve("bin/sh")).toString()).isEqualTo("tool");
        assertThat(Files.getPosixFilePermissions(x.resolve("bin/tool"))).hasSize(7); // rwxr-xr-x
        assertThat(Files.size(x.resolve("empty"))).isZero();
    }

    @Test
    void equalEntriesInAnyOrderGiveEqualBytes() throws Exception {
        List<CpioWriter.Entry> reversed = new java.util.ArrayList<>(sample());
        java.util.Collections.reverse(reversed);
        assertThat(write(reversed, 42)).isEqualTo(write(sample(), 42));
        assertThat(write(sample(), 43)).isNotEqualTo(write(sample(), 42));
    }

    @Test
    void everyHeaderIsAlignedAndTheArchiveEndsWithTheTrailer() throws Exception {
        byte[] b = write(sample(), 0);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int count = 0;
        for (int i = s.indexOf("070701"); i >= 0; i = s.indexOf("070701", i + 1)) {
            assertThat(i % 4).as("header at %d", i).isZero();
            count++;
        }
        assertThat(count).isEqualTo(sample().size() + 1);
        assertThat(s).contains("TRAILER!!!");
        assertThat(b.length % 4).isZero();
    }

    @Test
    void badArchivesAreRefusedWithASentence() {
        assertThatThrownBy(() -> CpioWriter.Entry.file("/etc/x", 0644, new byte[0])).hasMessageContaining("bad archive path '/etc/x'");
        assertThatThrownBy(() -> CpioWriter.Entry.file("a/../b", 0644, new byte[0])).hasMessageContaining("bad archive path");
        assertThatThrownBy(() -> CpioWriter.Entry.file("a", 01000000, new byte[0])).hasMessageContaining("bits beyond st_mode");
        assertThatThrownBy(() -> write(List.of(CpioWriter.Entry.file("etc/x", 0644, new byte[0])), 0))
                .hasMessageContaining("etc/x: its directory etc is not in the archive");
        assertThatThrownBy(() -> write(List.of(CpioWriter.Entry.dir("a", 0755), CpioWriter.Entry.dir("a", 0700)), 0))
                .hasMessageContaining("duplicate archive path a");
        assertThatThrownBy(() -> write(sample(), -1)).hasMessageContaining("does not fit");
    }
}
