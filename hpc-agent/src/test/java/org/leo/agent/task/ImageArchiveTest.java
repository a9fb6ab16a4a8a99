package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive check before the load ({@link ImageArchive}): what it accepts, and each refusal by its
 * exact sentence. Archives are written by {@link TarWriter} and, for the header flavours other tools
 * write (pax, GNU long names), by GNU tar.
 */
class ImageArchiveTest {
    static final byte[] LAYER = new TarWriter().dir("bin").file("bin/hello", 0755, "#!/bin/sh\necho hello\n".getBytes(StandardCharsets.UTF_8)).finish();
    static final TestImage IMAGE = TestImage.withLayer(LAYER).build();
    static final String LAYER_DIGEST = TestImage.sha256(LAYER);
    static final String LAYER_FILE = LAYER_DIGEST.substring(7) + "/layer.tar";

    private static ImageArchive verify(byte[] archive, String expected) throws Exception {
        return ImageArchive.verify(new ByteArrayInputStream(archive), expected);
    }

    @Test
    void acceptsTheExpectedImage() throws Exception {
        ImageArchive a = verify(IMAGE.archive(), IMAGE.id());
        assertThat(a.imageId()).isEqualTo(IMAGE.id()).isEqualTo(TestImage.sha256(IMAGE.config()));
        assertThat(a.layers()).containsExactly(LAYER_FILE);
        assertThat(ImageArchive.inspect(new ByteArrayInputStream(IMAGE.archive())).imageId()).isEqualTo(IMAGE.id());
    }

    @Test
    void refusesAnotherImage() {
        String other = TestImage.sha256("other".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> verify(IMAGE.archive(), other)).isInstanceOf(SandboxException.class)
                .hasMessage("image archive has id " + IMAGE.id() + ", expected " + other);
    }

    @Test
    void refusesAMalformedExpectedDigest() {
        assertThatThrownBy(() -> verify(IMAGE.archive(), "sha256:ABC")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected image digest must be sha256:<64 lower-case hex>, got 'sha256:ABC'");
    }

    @Test
    void refusesALayerWhoseDigestIsNotTheConfigs() {
        String claimed = TestImage.sha256("x".getBytes(StandardCharsets.UTF_8));
        TestImage t = TestImage.withLayer(LAYER).diffId(claimed).build();
        assertThatThrownBy(() -> verify(t.archive(), t.id())).isInstanceOf(SandboxException.class)
                .hasMessage("image " + t.id() + ": layer 1 (" + LAYER_FILE + ") has " + LAYER_DIGEST + ", its config says " + claimed);
    }

    @Test
    void refusesAnImageThatDeclaresVolumes() {
        TestImage t = TestImage.withLayer(LAYER).volume("/data").volume("/cache").build();
        assertThatThrownBy(() -> verify(t.archive(), t.id())).isInstanceOf(SandboxException.class)
                .hasMessage("image " + t.id() + " declares volumes [/data, /cache]: each would be a writable directory outside /work, on the engine's disk");
    }

    @Test
    void refusesAnArchiveWithoutManifest() {
        byte[] a = new TarWriter().file("x.json", 0644, IMAGE.config()).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive has no manifest.json (not a docker save archive)");
    }

    @Test
    void refusesAManifestOfTwoImages() {
        byte[] manifest = ("[{\"Config\":\"a.json\",\"Layers\":[]},{\"Config\":\"b.json\",\"Layers\":[]}]").getBytes(StandardCharsets.UTF_8);
        byte[] a = new TarWriter().file("manifest.json", 0644, manifest).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive's manifest.json must list exactly one image, it lists 2 images");
    }

    @Test
    void refusesAManifestThatIsNotJson() {
        byte[] a = new TarWriter().file("manifest.json", 0644, "[{".getBytes(StandardCharsets.UTF_8)).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessageStartingWith("image archive's manifest.json is not JSON: ");
    }

    @Test
    void refusesAMissingConfigOrLayer() {
        byte[] noConfig = new TarWriter().file("manifest.json", 0644, TestImage.manifest("c.json", "l/layer.tar")).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(noConfig))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive has no file c.json, the config manifest.json names");
        byte[] noLayer = new TarWriter().file(TestImage.configName(IMAGE.id()), 0644, IMAGE.config())
                .file("manifest.json", 0644, TestImage.manifest(TestImage.configName(IMAGE.id()), "l/layer.tar")).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(noLayer))).isInstanceOf(SandboxException.class)
                .hasMessage("image " + IMAGE.id() + ": layer 1 (l/layer.tar) is not in the archive");
    }

    @Test
    void refusesALayerCountOtherThanTheConfigs() {
        String cfg = TestImage.configName(IMAGE.id());
        byte[] a = new TarWriter().file(cfg, 0644, IMAGE.config()).file("l/layer.tar", 0644, LAYER).file("m/layer.tar", 0644, LAYER)
                .file("manifest.json", 0644, TestImage.manifest(cfg, "l/layer.tar", "m/layer.tar")).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("image " + IMAGE.id() + ": manifest.json lists 2 layers, its config 1 diff_ids");
    }

    @Test
    void refusesTwoEntriesOfOneName() {
        byte[] a = new TarWriter().file("manifest.json", 0644, "[]".getBytes(StandardCharsets.UTF_8))
                .file("./manifest.json", 0644, "[]".getBytes(StandardCharsets.UTF_8)).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive has two entries named manifest.json");
    }

    @Test
    void refusesANameOutsideTheArchive() {
        byte[] a = new TarWriter().file("../manifest.json", 0644, "[]".getBytes(StandardCharsets.UTF_8)).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("tar entry name '../manifest.json' has a '..' component");
        byte[] b = new TarWriter().file("/manifest.json", 0644, "[]".getBytes(StandardCharsets.UTF_8)).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(b))).isInstanceOf(SandboxException.class)
                .hasMessage("tar entry name '/manifest.json' is absolute");
    }

    @Test
    void refusesATruncatedArchive() {
        byte[] whole = IMAGE.archive();
        byte[] cut = Arrays.copyOf(whole, 2 * 512 + 100); // the layer directory's header, the layer's header, 100 bytes of the layer
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(cut))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive is truncated: tar stream ends inside an entry (" + (LAYER.length - 100) + " bytes missing)");
        byte[] halfHeader = Arrays.copyOf(whole, 300);
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(halfHeader))).isInstanceOf(SandboxException.class)
                .hasMessage("tar stream ends inside a header (300 of 512 bytes)");
    }

    @Test
    void refusesAHeaderWithABadChecksum() {
        byte[] a = IMAGE.archive().clone();
        a[0] ^= 1; // the first entry's name
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessageStartingWith("tar header checksum is ");
    }

    @Test
    void refusesMetadataLargerThanTheCap() {
        byte[] big = new byte[ImageArchive.MAX_METADATA_FILE + 1];
        Arrays.fill(big, (byte) ' ');
        byte[] a = new TarWriter().file("manifest.json", 0644, big).finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(a))).isInstanceOf(SandboxException.class)
                .hasMessage("image archive's manifest.json is larger than the 262144 bytes accepted for metadata");
    }

    @Test
    void refusesAnotherOs() {
        byte[] config = new String(IMAGE.config(), StandardCharsets.UTF_8).replace("\"os\":\"linux\"", "\"os\":\"windows\"").getBytes(StandardCharsets.UTF_8);
        String id = TestImage.sha256(config);
        byte[] a = new TarWriter().file("c.json", 0644, config).file(LAYER_FILE, 0644, LAYER)
                .file("manifest.json", 0644, TestImage.manifest("c.json", LAYER_FILE)).finish();
        assertThatThrownBy(() -> verify(a, id)).isInstanceOf(SandboxException.class).hasMessage("image " + id + " is for os windows, not linux");
    }

    @Test
    void acceptsALayerThatIsALinkToAnother() throws Exception {
        // Older docker save writes a repeated layer once and links the others to it.
        String cfg = TestImage.configName(IMAGE.id());
        byte[] a = new TarWriter().file("first/layer.tar", 0644, LAYER).symlink(LAYER_FILE, "../first/layer.tar").file(cfg, 0644, IMAGE.config())
                .file("manifest.json", 0644, TestImage.manifest(cfg, LAYER_FILE)).finish();
        assertThat(verify(a, IMAGE.id()).layers()).containsExactly(LAYER_FILE);
        byte[] outside = new TarWriter().symlink(LAYER_FILE, "../../etc/passwd").finish();
        assertThatThrownBy(() -> ImageArchive.inspect(new ByteArrayInputStream(outside))).isInstanceOf(SandboxException.class)
                .hasMessage("symbolic link " + LAYER_FILE + " points outside the archive");
    }

    @Test
    void readsPaxAndGnuLongNamesAsGnuTarWritesThem(@TempDir Path dir) throws Exception {
        String longDir = "blobs/" + "a-directory-name-long-enough-that-ustar-cannot-hold-it/".repeat(3) + LAYER_DIGEST.substring(7);
        Path root = dir.resolve("root");
        Files.createDirectories(root.resolve(longDir));
        Files.write(root.resolve(longDir).resolve("layer.tar"), LAYER);
        String cfg = TestImage.configName(IMAGE.id());
        Files.write(root.resolve(cfg), IMAGE.config());
        Files.write(root.resolve("manifest.json"), TestImage.manifest(cfg, longDir + "/layer.tar"));
        for (String format : List.of("posix", "gnu")) {
            Path tar = dir.resolve(format + ".tar");
            Process p = new ProcessBuilder("tar", "--format=" + format, "-C", root.toString(), "-cf", tar.toString(), ".")
                    .redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("tar --format=" + format).isZero();
            ImageArchive a = verify(Files.readAllBytes(tar), IMAGE.id());
            assertThat(a.layers()).as(format).containsExactly(longDir + "/layer.tar");
        }
    }

    @Test
    void readsTheSeedsOfTheFuzzTest() throws IOException {
        // The seeds include archives written by Python's tarfile (ustar, GNU, pax) and by dockerd 20.10's own docker save.
        try (var seeds = Files.list(ImageArchiveFuzzTest.SEEDS)) {
            for (Path seed : seeds.filter(s -> s.getFileName().toString().startsWith("valid-")).toList()) {
                try {
                    ImageArchive a = ImageArchive.inspect(new ByteArrayInputStream(Files.readAllBytes(seed)));
                    assertThat(a.imageId()).as(seed.toString()).matches(ImageArchive.DIGEST);
                } catch (SandboxException e) {
                    throw new AssertionError(seed + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
