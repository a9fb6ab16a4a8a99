package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class InputsLockTest {
    static final String SHA = "14d219d01e1283261817d961dbb3895cb5b4288d0de10e0ba0632a0d993e15bf";

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"amd64", "arm64"})
    void theRepositorysLocksPinEveryInputTheBuilderNeeds(String arch) throws Exception {
        InputsLock lock = InputsLock.read(InputsLock.fileFor(Path.of(""), arch));
        assertThat(lock.arch()).isEqualTo(arch);
        assertThat(lock.debStartingWith("linux-image-").orElseThrow().name()).endsWith("-" + arch);
        assertThat(lock.deb("busybox-static")).isPresent();
        for (String p : HpcImageBuilder.LIBRARY_PACKAGES) {
            assertThat(lock.deb(p)).as(p).isPresent();
        }
        assertThat(lock.deb(InputsLock.JDK_PACKAGE)).isPresent();
    }

    @Test
    void bothArchitecturesPinTheSameVersions() throws Exception {
        InputsLock amd64 = InputsLock.read(InputsLock.fileFor(Path.of(""), "amd64"));
        InputsLock arm64 = InputsLock.read(InputsLock.fileFor(Path.of(""), "arm64"));
        for (InputsLock.Deb d : amd64.debs()) {
            if (d.name().equals(HpcUki.STUB_PACKAGE)) {
                continue; // amd64 only: the arm64 image has no UKI yet (inputs-arm64.lock says why)
            }
            String name = d.name().replace("-amd64", "-arm64");
            assertThat(arm64.deb(name).orElseThrow(() -> new AssertionError("arm64 lacks " + name)).version()).as(name)
                    .isEqualTo(d.version());
        }
        assertThat(arm64.debs()).hasSize(amd64.debs().size() - 1);
        assertThat(amd64.deb(HpcUki.STUB_PACKAGE).orElseThrow().version()).isEqualTo("252.39-1~deb12u2");
        assertThat(arm64.deb(HpcUki.STUB_PACKAGE)).isEmpty();
    }

    @Test
    void fileNamesAreApts() {
        InputsLock lock = InputsLock.parse("deb busybox-static 1:1.35.0-4+deb12u1+b1 amd64 " + SHA + "\n", "t");
        assertThat(lock.deb("busybox-static").orElseThrow().fileName()).isEqualTo("busybox-static_1%3a1.35.0-4+deb12u1+b1_amd64.deb");
    }

    /** Firmware and udev rules are architecture-independent: an arm64 lock may pin them, in any place. */
    @Test
    void architectureIndependentPackagesJoinAnyLock() {
        InputsLock lock = InputsLock.parse("deb raspi-firmware 1.20220830+ds-1 all " + SHA + "\ndeb x 1 arm64 " + SHA + "\ndeb y 1 all " + SHA + "\n", "t");
        assertThat(lock.arch()).isEqualTo("arm64");
        assertThat(lock.deb("raspi-firmware").orElseThrow().fileName()).isEqualTo("raspi-firmware_1.20220830+ds-1_all.deb");
        assertThatThrownBy(() -> InputsLock.parse("deb y 1 all " + SHA + "\n", "lock"))
                .hasMessage("lock: no package of an architecture [amd64, arm64]");
        assertThatThrownBy(() -> InputsLock.parse("deb y 1 all " + SHA + "\ndeb x 1 arm64 " + SHA + "\ndeb z 1 amd64 " + SHA + "\n", "lock"))
                .hasMessage("lock line 3: z is amd64, but this lock is arm64 (one lock file per architecture)");
    }

    @Test
    void malformedLinesAreRefusedByLine() {
        assertThatThrownBy(() -> InputsLock.parse("# c\ndeb x 1 amd64 abc\n", "lock"))
                .hasMessage("lock line 2: SHA-256 'abc' is malformed");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64\n", "lock")).hasMessageContaining("lock line 1: expected 'deb PACKAGE");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64 " + SHA + "\ndeb x 2 amd64 " + SHA + "\n", "lock"))
                .hasMessageContaining("line 2: package x is pinned twice");
        assertThatThrownBy(() -> InputsLock.parse("# nothing\n", "lock")).hasMessage("lock: no deb line");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 amd64 " + SHA + "\ndeb y 1 arm64 " + SHA + "\n", "lock"))
                .hasMessage("lock line 2: y is arm64, but this lock is amd64 (one lock file per architecture)");
        assertThatThrownBy(() -> InputsLock.parse("deb x 1 riscv64 " + SHA + "\n", "lock"))
                .hasMessageContaining("architecture riscv64 is not one the image is built for");
        assertThatThrownBy(() -> InputsLock.parse("jdk openjdk-17-jdk-headless 17.0.15\n", "lock"))
                .hasMessageContaining("expected 'deb PACKAGE VERSION ARCH SHA256'");
        assertThatThrownBy(() -> InputsLock.parse("deb X;rm 1 amd64 " + SHA + "\n", "lock")).hasMessageContaining("package name 'X;rm'");
    }
}
