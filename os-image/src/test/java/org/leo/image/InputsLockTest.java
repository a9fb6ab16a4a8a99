package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InputsLockTest {
    static final String SHA = "14d219d01e1283261817d961dbb3895cb5b4288d0de10e0ba0632a0d993e15bf";

    @Test
    void theRepositorysLockPinsEveryInputTheBuilderNeeds() throws Exception {
        InputsLock lock = InputsLock.read(Path.of("inputs.lock"));
        assertThat(lock.debStartingWith("linux-image-")).isPresent();
        assertThat(lock.deb("busybox-static")).isPresent();
        for (String p : HpcImageBuilder.LIBRARY_PACKAGES) {
            assertThat(lock.deb(p)).as(p).isPresent();
        }
        assertThat(lock.jdk().packageName()).isEqualTo("openjdk-17-jdk-headless");
    }

    @Test
    void fileNamesAreApts() {
        InputsLock lock = InputsLock.parse("deb busybox-static 1:1.35.0-4+deb12u1+b1 amd64 " + SHA + "\njdk j 1\n", "t");
        assertThat(lock.deb("busybox-static").orElseThrow().fileName()).isEqualTo("busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb");
    }

    @Test
    void malformedLinesAreRefusedByLine() {
        assertThatThrownBy(() -> InputsLock.parse("# c\ndeb x 1 amd64 abc\njdk j 1\n", "lock"))
                .hasMessage("lock line 2: SHA-256 'abc' is malformed");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64\n", "lock")).hasMessageContaining("lock line 1: expected 'deb PACKAGE");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64 " + SHA + "\ndeb x 2 amd64 " + SHA + "\njdk j 1\n", "lock"))
                .hasMessageContaining("line 2: package x is pinned twice");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64 " + SHA + "\n", "lock")).hasMessage("lock: no jdk line");
        assertThatThrownBy(() -> InputsLock.parse("deb X;rm 1 amd64 " + SHA + "\njdk j 1\n", "lock")).hasMessageContaining("package name 'X;rm'");
    }
}
