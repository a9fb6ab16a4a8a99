package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.leo.image.InputsLock;
import org.leo.image.Processes;
import org.leo.image.Tree;
import org.leo.pxe.vm.Exec;

/**
 * {@code tpm_tis.ko} for the appliance's kernel, which QEMU's virt machine needs to see its TPM
 * ({@code -device tpm-tis-device}, a TIS interface in MMIO, device tree compatible
 * {@code tcg,tpm-tis-mmio}): Debian builds its arm64 kernel without {@code CONFIG_TCG_TIS} (a Pi's
 * SPI TPM is {@code tpm_tis_spi}, which it has). Built out of tree, cross-compiled with Debian's
 * gcc-12-aarch64-linux-gnu, from {@code drivers/char/tpm/tpm_tis.c} of Debian's own source of that
 * kernel ({@code linux-source-6.1}) against its headers ({@code linux-headers-VERSION-arm64}, with
 * the amd64 {@code linux-kbuild-6.1}), all of the appliance kernel's version, fetched with apt-get
 * download. Unsigned: the kernel loads it and marks itself tainted. Only the test adds it to the
 * boot (an extra initramfs); the image does not hold it. Cached as {@code CACHE/virt-tpm/tpm_tis-VERSION.ko}.
 */
final class VirtTpmModule {
    private static final Duration STEP = Duration.ofMinutes(10);

    private VirtTpmModule() {
    }

    /** Why it cannot be built here, if it cannot. */
    static java.util.Optional<String> unavailable() {
        return Exec.onPath("aarch64-linux-gnu-gcc-12") ? java.util.Optional.empty()
                : java.util.Optional.of("aarch64-linux-gnu-gcc-12 is missing (gcc-12-aarch64-linux-gnu; scripts/install-deps test)");
    }

    /** The module for the kernel package {@code kernel} (linux-image-VERSION-arm64) of the lock. */
    static Path build(InputsLock.Deb kernel, Path cache) throws IOException {
        String kver = kernel.name().substring("linux-image-".length());
        String major = kver.substring(0, kver.indexOf('.', kver.indexOf('.') + 1)); // 6.1
        Path out = cache.resolve("virt-tpm").resolve("tpm_tis-" + kver + ".ko");
        if (Files.exists(out)) {
            return out;
        }
        Path work = Files.createTempDirectory("leo-virt-tpm-");
        try {
            Path debs = Files.createDirectories(work.resolve("debs"));
            String v = kernel.version();
            run(debs, "apt-get", "download", "-q", "linux-headers-" + kver + ":arm64=" + v, "linux-headers-" + kver.replace("-arm64", "-common")
                    + "=" + v, "linux-kbuild-" + major + ":amd64=" + v, "linux-source-" + major + "=" + v);
            Path sys = Files.createDirectories(work.resolve("sys"));
            try (var s = Files.list(debs)) {
                for (Path deb : s.filter(p -> !p.getFileName().toString().startsWith("linux-source")).toList()) {
                    run(null, "dpkg-deb", "-x", deb.toString(), sys.toString());
                }
            }
            Path headers = sys.resolve("usr/src/linux-headers-" + kver);
            // its Makefile includes the common headers' by absolute path: point it at the unpacked ones
            Files.writeString(headers.resolve("Makefile"), Files.readString(headers.resolve("Makefile"))
                    .replace("include /usr/src/", "include " + sys.resolve("usr/src") + "/"));
            Path src = Files.createDirectories(work.resolve("src"));
            run(src, "sh", "-c", "dpkg-deb --fsys-tarfile " + debs.resolve("linux-source-" + major + "_" + v + "_all.deb")
                    + " | tar -xO ./usr/src/linux-source-" + major + ".tar.xz | tar -xJ linux-source-" + major + "/drivers/char/tpm/");
            Path m = Files.createDirectories(work.resolve("m"));
            for (String f : List.of("tpm_tis.c", "tpm_tis_core.h", "tpm.h")) {
                Files.copy(src.resolve("linux-source-" + major + "/drivers/char/tpm").resolve(f), m.resolve(f));
            }
            Files.writeString(m.resolve("Kbuild"), "obj-m := tpm_tis.o\n", StandardCharsets.US_ASCII);
            run(null, "make", "-C", headers.toString(), "M=" + m, "ARCH=arm64", "CROSS_COMPILE=aarch64-linux-gnu-", "modules");
            Files.createDirectories(out.getParent());
            Files.copy(m.resolve("tpm_tis.ko"), out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        } finally {
            Tree.delete(work);
        }
    }

    private static void run(Path dir, String... cmd) throws IOException {
        Processes.run(dir, List.of(cmd), STEP.toSeconds());
    }
}
