package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.Sha256;

/**
 * Builds the real HPC image twice from the pinned inputs (Debian packages fetched with apt-get
 * into the shared test cache, the agent built by this reactor, the runtime linked from the pinned
 * JDK package's jmods) and
 * compares the outputs byte for byte; then runs the image's own Java runtime and agent in a chroot
 * of its unpacked initramfs, with the image's own libraries.
 */
@Tag("system")
class HpcImageReproducibleTest {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path CACHE = Path.of(System.getenv().getOrDefault("LEO_TEST_CACHE", "/var/cache/leo-test")).resolve("image");
    static final long EPOCH = 1_764_547_200L; // 2025-12-01T00:00:00Z
    @TempDir
    static Path tmp;
    static HpcImageBuilder.Result first;
    static HpcImageBuilder.Result second;
    /** LEO_KEEP_IMAGE=DIR keeps the unpacked initramfs there, to look at. */
    static final String KEEP = System.getenv("LEO_KEEP_IMAGE");

    static HpcImageBuilder.Config config(Path out, Path key) throws IOException {
        return new HpcImageBuilder.Config(InputsLock.read(REPO.resolve("os-image/inputs.lock")), CACHE,
                HpcImageBuilder.agentJars(REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"), REPO.resolve("hpc-agent/target/agent-lib")),
                REPO.resolve("hpc-agent/jvm.options"), Path.of(System.getProperty("java.home")), out, EPOCH, "leo-hpc-test", key);
    }

    @BeforeAll
    static void buildTwice() throws Exception {
        assumeTrue(Files.exists(REPO.resolve("hpc-agent/target/agent-lib")),
                "hpc-agent is not packaged (run ./mvnw verify, which packages it before this module's tests)");
        Path key = ManifestTool.generateKeyPair(tmp.resolve("keys")).privateKey();
        first = HpcImageBuilder.build(config(tmp.resolve("one"), key));
        second = HpcImageBuilder.build(config(tmp.resolve("two"), key));
        System.out.printf("HPC image: kernel %s, vmlinuz %d bytes, initrd.img %d bytes (%.1f MiB; %.1f MiB uncompressed, %d entries)%n",
                first.kernelVersion(), Files.size(first.vmlinuz()), first.initrdBytes(), first.initrdBytes() / 1048576.0,
                first.initrdUncompressedBytes() / 1048576.0, first.entries());
        first.steps().forEach((k, v) -> System.out.printf("  build step %s: %.1f s%n", k, v.toMillis() / 1000.0));
    }

    /**
     * Runs {@code script} with the image's busybox in a chroot of the unpacked image, in a mount
     * namespace of its own with /proc and /dev mounted, as /init mounts them (the loader reads /proc/self/exe to expand the
     * java launcher's $ORIGIN run path, as in the booted image after /init mounted /proc).
     */
    static String inImage(Path root, String script) throws IOException {
        return Processes.run(null, List.of("unshare", "-m", "chroot", root.toString(), "/bin/busybox", "sh", "-c",
                "/bin/busybox mount -t proc proc /proc && /bin/busybox mount -t devtmpfs devtmpfs /dev && export PATH=/bin && " + script), 120);
    }

    @Test
    void twoBuildsOfTheSameInputsAreByteIdentical() throws Exception {
        assertThat(Sha256.hex(second.initrd())).isEqualTo(Sha256.hex(first.initrd()));
        assertThat(Sha256.hex(second.vmlinuz())).isEqualTo(Sha256.hex(first.vmlinuz()));
        assertThat(Files.readAllBytes(second.manifest())).isEqualTo(Files.readAllBytes(first.manifest()));
        assertThat(Files.readString(first.ipxeTemplate())).isEqualTo(Files.readString(second.ipxeTemplate()))
                .contains("with image leo-hpc-test (amd64)").contains("console=ttyS0,115200");
        assertThat(Files.readString(first.manifest())).contains(org.leo.boot.manifest.IpxeTemplate.FILE);
    }

    /** The UEFI boot's image: the UKI and its measurements, byte-identical too, listed in the manifest, chained by the template. */
    @Test
    void theUnifiedKernelImageAndItsMeasurementsAreByteIdentical() throws Exception {
        HpcUki.Built one = first.uki().orElseThrow();
        HpcUki.Built two = second.uki().orElseThrow();
        System.out.printf("UKI %d bytes, sha256 %s%n%s", one.bytes(), Sha256.hex(one.uki()), Files.readString(one.measurementsFile()));
        assertThat(Sha256.hex(two.uki())).isEqualTo(Sha256.hex(one.uki()));
        assertThat(Files.readAllBytes(two.measurementsFile())).isEqualTo(Files.readAllBytes(one.measurementsFile()));
        String m = Files.readString(one.measurementsFile());
        java.util.HexFormat hex = java.util.HexFormat.of();
        assertThat(m).startsWith("pcr4 authenticode " + hex.formatHex(org.leo.image.pe.Authenticode.sha256(Files.readAllBytes(one.uki()))) + "\n")
                .contains("pcr4 linux-authenticode " + hex.formatHex(org.leo.image.pe.Authenticode.sha256(Files.readAllBytes(first.vmlinuz()))) + "\n")
                .contains("pcr11 .linux " + Sha256.hex(first.vmlinuz()) + "\n")
                .contains("pcr11 value " + hex.formatHex(one.measurements().pcr11()) + "\n")
                .endsWith("pcr9 initrd " + Sha256.hex(first.initrd()) + "\n");
        assertThat(Files.readString(first.manifest())).contains("  " + HpcUki.MEASUREMENTS + "\n").contains("  " + org.leo.boot.manifest.IpxeTemplate.UKI + "\n");
        assertThat(Files.readString(first.ipxeTemplate())).contains("iseq ${platform} efi && goto uki || goto legacy\n")
                .contains("chain @LEO_BASE@/leo-hpc.efi console=tty0 console=ttyS0,115200 panic=10 quiet loglevel=4 leo.nonce=@LEO_NONCE@");
    }

    @Test
    void theInitramfsIsUnderSixtyMebibytesCompressed() {
        assertThat(first.initrdBytes()).isLessThan(60L << 20);
    }

    @Test
    void theImagesOwnRuntimeRunsTheAgentInAChrootOfTheInitramfs() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "chroot needs root");
        Path x = Files.createDirectories(KEEP != null ? Path.of(KEEP) : tmp.resolve("unpacked"));
        Processes.run(x, List.of("sh", "-c", "gzip -dc " + first.initrd() + " | cpio -idm --quiet --no-absolute-filenames 2>&1"
                + " | grep -v 'Operation not permitted\\|Cannot mknod' || true"), 120);
        assertThat(x.resolve("init")).isExecutable();
        assertThat(x.resolve("opt/leo/jre/bin/java")).isExecutable();
        assertThat(x.resolve("opt/leo/jre/lib/server/classes.jsa")).doesNotExist(); // not reproducible in JDK 17
        assertThat(Files.readSymbolicLink(x.resolve("lib64/ld-linux-x86-64.so.2")).toString())
                .isEqualTo("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        String version = inImage(x, "/opt/leo/jre/bin/java -version 2>&1");
        assertThat(version).as("the pinned JDK package's jmods, not this machine's JDK").contains("17.0.21.1");
        String modules = inImage(x, "/opt/leo/jre/bin/java --list-modules");
        for (String m : HpcImageBuilder.JRE_MODULES) {
            assertThat(modules).contains(m + "@");
        }
        assertThat(modules).doesNotContain("java.desktop@").doesNotContain("jdk.compiler@");
        String help = inImage(x, "/opt/leo/jre/bin/java @/opt/leo/agent.args --help 2>&1");
        assertThat(help).startsWith("Usage: leo-agent [OPTIONS]");
        // The agent starts with the image's own libcrypto for SHA-256 (no Pi answers on port 9: it keeps retrying).
        String start = inImage(x, "/bin/busybox timeout 8 /opt/leo/jre/bin/java @/opt/leo/agent.args --server 127.0.0.1 --enroll-port 9"
                + " --attest-port 9 --ca " + "ab".repeat(32) + " --mac 52:54:00:00:00:01 --cmdline leo.nonce=x 2>&1 || true");
        assertThat(start).contains("leo-agent 0.1.0: HPC 52:54:00:00:00:01 attests to 127.0.0.1:9/9 (no TPM); SHA-256 by libcrypto (OpenSSL 3.0.");
    }
}
