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

/** The service image's tar writer, read back by GNU tar (a real reader): names, long paths, links, modes, sizes. */
class UstarWriterTest {
    @TempDir
    Path dir;

    @Test
    void gnuTarListsAndExtractsWhatWasWritten() throws Exception {
        String longDir = "usr/lib/" + "x".repeat(60) + "/" + "y".repeat(60);
        List<CpioWriter.Entry> entries = List.of(CpioWriter.Entry.dir("bin", 0755), CpioWriter.Entry.file("bin/busybox", 0755, new byte[513]),
                CpioWriter.Entry.symlink("bin/sh", "busybox"), CpioWriter.Entry.dir("usr", 0755), CpioWriter.Entry.dir("usr/lib", 0755),
                CpioWriter.Entry.dir("usr/lib/" + "x".repeat(60), 0755), CpioWriter.Entry.dir(longDir, 0755),
                CpioWriter.Entry.file(longDir + "/libz.so.1", 0644, "z".getBytes(StandardCharsets.US_ASCII)),
                CpioWriter.Entry.file("empty", 0600, new byte[0]));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UstarWriter.write(entries, 0, out);
        assertThat(out.size() % 512).isZero();
        Path tar = Files.write(dir.resolve("t.tar"), out.toByteArray());
        String listing = Processes.run(null, List.of("tar", "-tvf", tar.toString(), "--numeric-owner"), 30);
        assertThat(listing).contains("-rwxr-xr-x 0/0             513 1970-01-01 00:00 bin/busybox")
                .contains("lrwxrwxrwx 0/0               0 1970-01-01 00:00 bin/sh -> busybox")
                .contains(longDir + "/libz.so.1").contains("-rw------- 0/0               0 1970-01-01 00:00 empty");
        Path x = Files.createDirectories(dir.resolve("x"));
        Processes.run(null, List.of("tar", "-xf", tar.toString(), "-C", x.toString()), 30);
        assertThat(Files.readString(x.resolve(longDir + "/libz.so.1"))).isEqualTo("z");
        assertThat(Files.size(x.resolve("bin/busybox"))).isEqualTo(513);
    }

    @Test
    void whatUstarCannotHoldIsRefused() {
        assertThatThrownBy(() -> UstarWriter.write(List.of(CpioWriter.Entry.file("a/" + "n".repeat(101), 0644, new byte[0])), 0,
                new ByteArrayOutputStream())).hasMessageContaining("does not fit a ustar header");
        assertThatThrownBy(() -> UstarWriter.write(List.of(CpioWriter.Entry.symlink("l", "t".repeat(101))), 0, new ByteArrayOutputStream()))
                .hasMessage("l: link target " + "t".repeat(101) + " is longer than ustar's 100 bytes");
        assertThatThrownBy(() -> UstarWriter.write(List.of(CpioWriter.Entry.charDevice("dev/console", 0600, 5, 1)), 0, new ByteArrayOutputStream()))
                .hasMessageStartingWith("dev/console: a service image holds files, directories and symlinks only");
    }
}
