package org.leo.pxe.manifest;

import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.Sha256;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.leo.boot.events.BootEventSink;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.boot.events.Protocol;
import org.leo.pxe.boot.ServedFile;
import org.leo.boot.net.MacAddress;

/**
 * Fuzzes the request-name handling of {@link ManifestBootFiles} (names come straight from TFTP
 * and HTTP clients): open() answers with a manifest file, the script, or a {@link BootRefusal},
 * never anything else and never a file outside the manifest.
 */
class ManifestBootFilesFuzzTest {
    private static Path dir;
    private static ManifestBootFiles files;

    private static ManifestBootFiles files() throws IOException {
        if (files == null) {
            dir = Files.createTempDirectory("leo-fuzz-root");
            Files.write(dir.resolve("vmlinuz"), new byte[] {1, 2, 3});
            Files.createDirectories(dir.resolve("efi/boot"));
            Files.write(dir.resolve("efi/boot/bootx64.efi"), new byte[] {4});
            Files.write(dir.resolve("unlisted"), new byte[] {5});
            Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
            BootManifest m = new BootManifest("fuzz", Instant.EPOCH, List.of(
                    new ManifestEntry("vmlinuz", 3, Sha256.hex(new byte[] {1, 2, 3})),
                    new ManifestEntry("efi/boot/bootx64.efi", 1, Sha256.hex(new byte[] {4})),
                    new ManifestEntry("passwd", 0, Sha256.hex(new byte[0]))));
            files = new ManifestBootFiles(dir, m, ip -> Optional.of(MacAddress.parse("52:54:00:00:00:01")),
                    BootEventSink.NONE, IpxeScriptConfig.defaults("10.0.0.1", 80), new SimpleMeterRegistry());
        }
        return files;
    }

    @FuzzTest(maxDuration = "20s")
    void fuzzOpen(byte[] input) throws IOException {
        String name = new String(input, StandardCharsets.UTF_8);
        ServedFile f;
        try {
            f = files().open(new BootRequest(Protocol.TFTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), 1), name));
        } catch (BootRefusal r) {
            assertThat(r.reason()).isNotNull();
            return;
        }
        assertThat(f.name()).isEqualTo(name).isIn("vmlinuz", "efi/boot/bootx64.efi", "boot.ipxe");
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
