package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the ELF reader over untrusted bytes: an {@link ElfFormatException}, or a result whose
 * strings are within the caps; never another exception. Seeds (resources ...ElfFileFuzzTestInputs/)
 * are {@link TinyElf}s: a program with its loader and libraries, and a module with its .modinfo.
 */
class ElfFileFuzzTest {
    static final Path SEEDS = Path.of("src/test/resources/org/leo/image/appliance/ElfFileFuzzTestInputs/parse");

    @Test
    void theSeedsAreTinyElfFilesThatParse() throws Exception {
        assertThat(Files.readAllBytes(SEEDS.resolve("tiny-program"))).isEqualTo(new TinyElf().bytes());
        TinyElf lib = new TinyElf();
        lib.soname = "libtiny.so.1";
        lib.modinfo = "";
        assertThat(Files.readAllBytes(SEEDS.resolve("tiny-library"))).isEqualTo(lib.bytes());
        assertThat(ElfFile.parse(Files.readAllBytes(SEEDS.resolve("tiny-library"))).soname()).contains("libtiny.so.1");
    }

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        ElfFile e;
        try {
            e = ElfFile.parse(input);
        } catch (ElfFormatException x) {
            assertThat(x.getMessage()).isNotBlank();
            return;
        }
        for (String n : e.needed()) {
            assertThat(n.length()).isLessThan(ElfFile.MAX_STRING);
        }
        assertThat(e.modinfo()).isNotNull();
        assertThat(e.moduleDepends()).doesNotContain("");
    }
}
