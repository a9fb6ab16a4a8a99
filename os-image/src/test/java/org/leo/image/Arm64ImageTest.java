package org.leo.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.Sha256;

/**
 * The arm64 image, the second target: built twice on this amd64 machine from
 * {@code os-image/inputs-arm64.lock} (Debian's arm64 packages, the runtime cross-linked from the
 * arm64 JDK package's jmods) and compared byte for byte; then booted under
 * {@code qemu-system-aarch64} (machine virt, Cortex-A57, software emulation) with QEMU's own
 * kernel loader and user-mode network, up to the agent's start line.
 *
 * <p>Not network-booted: Debian ships no arm64 iPXE, which is what {@code leo pxe serve} hands to an
 * arm64 UEFI client (docs/booting.md says what that needs). Nothing answers the agent either (no Pi
 * on QEMU's user network): it starts and retries, which is as far as this test goes.
 */
@Tag("system")
class Arm64ImageTest {
    static final Path QEMU = Path.of("/usr/bin/qemu-system-aarch64");
    @TempDir
    static Path tmp;
    static HpcImageBuilder.Result first;
    static HpcImageBuilder.Result second;

    static HpcImageBuilder.Config config(Path out) throws java.io.IOException {
        Path repo = HpcImageReproducibleTest.REPO;
        return new HpcImageBuilder.Config(InputsLock.read(InputsLock.fileFor(repo.resolve("os-image"), "arm64")),
                HpcImageReproducibleTest.CACHE,
                HpcImageBuilder.agentJars(repo.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar"), repo.resolve("hpc-agent/target/agent-lib")),
                repo.resolve("hpc-agent/jvm.options"), Path.of(System.getProperty("java.home")), out, HpcImageReproducibleTest.EPOCH,
                "leo-hpc-arm64-test", null);
    }

    @BeforeAll
    static void buildTwice() throws Exception {
        assumeTrue(Files.exists(HpcImageReproducibleTest.REPO.resolve("hpc-agent/target/agent-lib")),
                "hpc-agent is not packaged (run ./mvnw verify, which packages it before this module's tests)");
        first = HpcImageBuilder.build(config(tmp.resolve("one")));
        second = HpcImageBuilder.build(config(tmp.resolve("two")));
        System.out.printf("arm64 HPC image: kernel %s, vmlinuz %d bytes, initrd.img %d bytes (%.1f MiB; %.1f MiB uncompressed, %d entries)%n",
                first.kernelVersion(), Files.size(first.vmlinuz()), first.initrdBytes(), first.initrdBytes() / 1048576.0,
                first.initrdUncompressedBytes() / 1048576.0, first.entries());
        first.steps().forEach((k, v) -> System.out.printf("  arm64 build step %s: %.1f s%n", k, v.toMillis() / 1000.0));
    }

    @Test
    void twoArm64BuildsAreByteIdentical() throws Exception {
        assertThat(first.kernelVersion()).endsWith("-arm64");
        assertThat(Sha256.hex(second.initrd())).isEqualTo(Sha256.hex(first.initrd()));
        assertThat(Sha256.hex(second.vmlinuz())).isEqualTo(Sha256.hex(first.vmlinuz()));
        assertThat(Files.readString(first.ipxeTemplate())).isEqualTo(Files.readString(second.ipxeTemplate()))
                .contains("with image leo-hpc-arm64-test (arm64)").contains("console=ttyAMA0,115200");
        assertThat(first.initrdBytes()).isLessThan(60L << 20);
    }

    @Test
    void theArm64ImageBootsUnderEmulationToTheAgent() throws Exception {
        assumeTrue(Files.isExecutable(QEMU), "qemu-system-aarch64 is missing (Debian package qemu-system-arm)");
        Path scratch = Files.write(tmp.resolve("scratch.img"), new byte[4 << 20]);
        List<String> cmd = List.of(QEMU.toString(), "-M", "virt", "-cpu", "cortex-a57", "-m", "768", "-nographic", "-nodefaults",
                "-serial", "stdio", "-no-reboot", "-kernel", first.vmlinuz().toString(), "-initrd", first.initrd().toString(),
                "-append", "console=ttyAMA0 panic=1 quiet loglevel=4 leo.server=10.0.2.2 leo.attest=9:9 leo.ca=" + "ab".repeat(32)
                        + " leo.nonce=" + "cd".repeat(32),
                "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:64:00:01",
                "-drive", "if=none,id=d0,format=raw,file=" + scratch, "-device", "virtio-blk-pci,drive=d0", "-device", "qemu-xhci");
        List<String> lines = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        Process qemu = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(qemu.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(String.format("+%6.1f %s", (System.nanoTime() - t0) / 1e9, l.strip()));
                }
            } catch (java.io.IOException ignored) {
                // QEMU was stopped
            }
        }, "qemu-aarch64-serial");
        reader.setDaemon(true);
        reader.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (lines.stream().noneMatch(l -> l.contains("SHA-256 by"))) {
                if (!qemu.isAlive() || System.nanoTime() > deadline) {
                    fail("no agent start line from the arm64 VM" + (qemu.isAlive() ? " within 300 s" : " (QEMU exited)")
                            + "; console:\n" + String.join("\n", lines));
                }
                Thread.sleep(200);
            }
        } finally {
            qemu.destroy();
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        for (String marker : List.of("LEO-IMAGE-INIT", "LEO-DHCP-OK", "SHA-256 by")) {
            lines.stream().filter(l -> l.contains(marker)).findFirst().ifPresent(l -> System.out.println("arm64 VM: " + l));
        }
        assertThat(lines).anyMatch(l -> l.contains("LEO-IMAGE-INIT image=leo-hpc-arm64-test"));
        assertThat(lines).as("every driver loads").noneMatch(l -> l.contains("leo-init: driver"));
        assertThat(lines).anyMatch(l -> l.contains("LEO-DHCP-OK iface=eth0 ip=10.0.2.15/24"));
        assertThat(lines).anyMatch(l -> l.contains("leo-agent 0.1.0: HPC 52:54:00:64:00:01 attests to 10.0.2.2:9/9")
                && l.contains("SHA-256 by libcrypto (OpenSSL 3.0.22"));
    }
}
