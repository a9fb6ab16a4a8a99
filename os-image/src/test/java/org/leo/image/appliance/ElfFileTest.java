package org.leo.image.appliance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.leo.image.Processes;

class ElfFileTest {
    @Test
    void readsTheLibrariesTheLoaderAndTheModuleInfo() throws Exception {
        TinyElf t = new TinyElf();
        t.soname = "libtiny.so.1";
        t.runpath = "$ORIGIN/../lib:/usr/lib/aarch64-linux-gnu/systemd";
        ElfFile e = ElfFile.parse(t.bytes());
        assertThat(e.runpath()).containsExactly("$ORIGIN/../lib", "/usr/lib/aarch64-linux-gnu/systemd");
        assertThat(e.needed()).containsExactly("libc.so.6", "libdevmapper.so.1.02.1");
        assertThat(e.soname()).contains("libtiny.so.1");
        assertThat(e.interpreter()).contains("/lib/ld-linux-aarch64.so.1");
        assertThat(e.modinfo()).isEqualTo(Map.of("license", List.of("GPL"), "depends", List.of("dm-mod,dm-bufio"),
                "alias", List.of("of:N*T*Cdm"), "name", List.of("dm_verity")));
        assertThat(e.moduleDepends()).containsExactly("dm-mod", "dm-bufio");
    }

    @Test
    void aModuleThatDependsOnNothingHasAnEmptyDependsField() throws Exception {
        TinyElf t = new TinyElf();
        t.modinfo = "depends=\0name=dm_mod\0";
        t.needed = List.of();
        t.interpreter = "";
        assertThat(ElfFile.parse(t.bytes()).moduleDepends()).isEmpty();
        assertThat(ElfFile.parse(t.bytes()).needed()).isEmpty();
    }

    /** The host's own programs and libraries, read by readelf (binutils) and by us: the same DT_NEEDED, SONAME and loader. */
    @ParameterizedTest
    @ValueSource(strings = {"/bin/ls", "/usr/bin/ssh-keygen", "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/bin/qemu-system-aarch64",
            "/usr/sbin/cryptsetup", "/usr/lib/systemd/systemd", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"})
    void agreesWithReadelfOnTheHostsFiles(String file) throws Exception {
        Path p = Path.of(file);
        assumeTrue(Files.isRegularFile(p), file + " is not on this machine");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/readelf")), "readelf is missing (binutils; scripts/install-deps)");
        String dyn = Processes.run(null, List.of("readelf", "-d", "-l", "-W", p.toRealPath().toString()), 60);
        List<String> needed = new ArrayList<>();
        List<String> runpath = new ArrayList<>();
        String soname = null;
        String interp = null;
        for (String line : dyn.lines().toList()) {
            if (line.contains("(NEEDED)")) {
                needed.add(line.substring(line.indexOf('[') + 1, line.indexOf(']')));
            } else if (line.contains("(RUNPATH)") || line.contains("(RPATH)")) {
                runpath.addAll(List.of(line.substring(line.indexOf('[') + 1, line.indexOf(']')).split(":")));
            } else if (line.contains("(SONAME)")) {
                soname = line.substring(line.indexOf('[') + 1, line.indexOf(']'));
            } else if (line.contains("[Requesting program interpreter: ")) {
                interp = line.substring(line.indexOf(": ") + 2, line.indexOf(']'));
            }
        }
        ElfFile e = ElfFile.parse(Files.readAllBytes(p));
        assertThat(e.needed()).isEqualTo(needed).isNotEmpty();
        assertThat(e.runpath()).isEqualTo(runpath);
        assertThat(e.soname().orElse(null)).isEqualTo(soname);
        assertThat(e.interpreter().orElse(null)).isEqualTo(interp);
    }

    @Test
    void notAnElfOrNotOneWeReadIsRefusedByName() {
        assertThatThrownBy(() -> ElfFile.parse("#!/bin/sh\n".getBytes())).isInstanceOf(ElfFormatException.class).hasMessage("no ELF magic");
        assertThatThrownBy(() -> ElfFile.parse(Arrays.copyOf(new TinyElf().bytes(), 40)))
                .hasMessage("ELF header truncated: 40 bytes, expected 64");
        byte[] b32 = new TinyElf().bytes();
        b32[4] = 1;
        assertThatThrownBy(() -> ElfFile.parse(b32)).hasMessage("not a 64-bit little-endian ELF file (class 1, data 1)");
    }

    @Test
    void tablesAndStringsThatLeaveTheFileAreRefused() {
        byte[] shoff = new TinyElf().bytes();
        ByteBuffer.wrap(shoff).order(ByteOrder.LITTLE_ENDIAN).putLong(TinyElf.SHOFF_FIELD, shoff.length - 10);
        assertThatThrownBy(() -> ElfFile.parse(shoff)).hasMessage("section header table at offset " + (shoff.length - 10) + " with 384 bytes leaves the file ("
                + shoff.length + " bytes)");

        byte[] interp = new TinyElf().bytes();
        ByteBuffer.wrap(interp).order(ByteOrder.LITTLE_ENDIAN).putLong(TinyElf.PHOFF + 32, 1L << 40);
        assertThatThrownBy(() -> ElfFile.parse(interp)).hasMessageStartingWith("PT_INTERP at offset 120 with 1099511627776 bytes leaves the file");

        byte[] huge = new TinyElf().bytes();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putShort(60, (short) 0xffff);
        assertThatThrownBy(() -> ElfFile.parse(huge)).hasMessage("65535 section headers, more than 4096");

        TinyElf unterminated = new TinyElf();
        unterminated.needed = List.of("x".repeat(ElfFile.MAX_STRING + 10));
        assertThatThrownBy(() -> ElfFile.parse(unterminated.bytes())).hasMessageContaining("has no NUL within its table or 4096 bytes");
    }
}
