package org.leo.boot.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BootPathTest {
    @ParameterizedTest
    @ValueSource(strings = {"vmlinuz", "initrd.img", "efi/boot/bootx64.efi", "a", "x-1.2_3+4~5=6,7@8", "..a", "a..", ".hidden"})
    void validNames(String name) {
        assertThat(BootPath.problem(name)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "../etc/passwd|'..' in file name",
        "a/../../b|'..' in file name",
        "..|'..' in file name",
        "/vmlinuz|absolute file name",
        "./vmlinuz|'.' segment in file name",
        "a//b|empty segment in file name",
        "a/|empty segment in file name",
        "a\\b|backslash in file name",
        "..\\..\\windows|backslash in file name",
        "a b|character U+0020 not allowed in file name",
        "caf\u00e9|character U+00E9 not allowed in file name",
        "a%2e|character U+0025 not allowed in file name",
        "a:b|character U+003A not allowed in file name",
    })
    void invalidNames(String name, String problem) {
        assertThat(BootPath.problem(name)).contains(problem);
    }

    @org.junit.jupiter.api.Test
    void controlCharactersLengthAndEmpty() {
        assertThat(BootPath.problem("")).contains("empty file name");
        assertThat(BootPath.problem("a\0b")).contains("NUL character in file name");
        assertThat(BootPath.problem("a\nb")).contains("control character 0x0a in file name");
        assertThat(BootPath.problem("a\u007fb")).contains("control character 0x7f in file name");
        assertThat(BootPath.problem("a".repeat(255))).isEmpty();
        assertThat(BootPath.problem("a".repeat(256))).contains("file name longer than 255 characters");
        assertThat(BootPath.printable("a\nb\0")).isEqualTo("a\\u000ab\\u0000");
        assertThat(BootPath.printable("x".repeat(200))).endsWith("...(200 chars)").hasSize(120 + 14);
    }
}
