package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.BootManifest;
import org.leo.boot.manifest.Ed25519Keys;
import org.leo.boot.manifest.ManifestEntry;
import org.leo.boot.manifest.ManifestParser;
import org.leo.boot.manifest.ManifestTool;
import org.leo.boot.manifest.SignedManifest;

/**
 * {@code leo image build-hpc} then {@code leo image verify}: the real build from the pinned inputs
 * (the shared test cache), a manifest that matches, one whose initrd digest does not, one signed
 * by another key.
 */
@Tag("system")
class ImageCommandTest {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final String CACHE = Path.of(System.getenv().getOrDefault("LEO_TEST_CACHE", "/var/cache/leo-test")).resolve("image").toString();
    @TempDir
    Path dir;

    static String[] withInputs(String... args) {
        List<String> a = new ArrayList<>(List.of(args));
        a.addAll(List.of("--cache", CACHE, "--lock", REPO.resolve("os-image/inputs.lock").toString(),
                "--agent-jar", REPO.resolve("hpc-agent/target/hpc-agent-0.1.0-SNAPSHOT.jar").toString(),
                "--agent-lib", REPO.resolve("hpc-agent/target/agent-lib").toString(),
                "--jvm-options", REPO.resolve("hpc-agent/jvm.options").toString()));
        return a.toArray(String[]::new);
    }

    @Test
    void aBuiltImageVerifiesAndATamperedOrForeignManifestDoesNot() throws Exception {
        assumeTrue(Files.exists(REPO.resolve("hpc-agent/target/agent-lib")), "hpc-agent is not packaged (./mvnw verify packages it first)");
        var keys = ManifestTool.generateKeyPair(dir.resolve("keys"));
        Path out = dir.resolve("img");
        AttestCommandTest.Run b = AttestCommandTest.leo(withInputs("image", "build-hpc", "--out", out.toString(),
                "--key", keys.privateKey().toString(), "--image-id", "leo-hpc-cli", "--source-date-epoch", "1764547200"));
        assertThat(b.status()).as(b.err()).isZero();
        assertThat(b.out()).contains("built leo-hpc-cli (kernel 6.1.").contains("signed manifest: " + out.resolve("boot-manifest"))
                .contains("unified kernel image: " + out.resolve("leo-hpc.efi"));

        AttestCommandTest.Run v = AttestCommandTest.leo(withInputs("image", "verify", "--manifest", out.resolve("boot-manifest").toString(),
                "--public-key", keys.publicKey().toString()));
        assertThat(v.status()).as(v.out() + v.err()).isZero();
        assertThat(v.out()).contains("signature: good").contains("vmlinuz: identical").contains("initrd.img: identical")
                .contains("leo-hpc.efi: identical").contains("leo-hpc.efi.measurements: identical").contains("boot.ipxe.template: identical");

        // A manifest, properly signed, whose initrd digest is not what the inputs build.
        SignedManifest good = ManifestParser.parse(Files.readAllBytes(out.resolve("boot-manifest")));
        List<ManifestEntry> entries = new ArrayList<>();
        for (ManifestEntry e : good.manifest().entries()) {
            entries.add(e.path().equals("initrd.img") ? new ManifestEntry(e.path(), e.size(), "0".repeat(64)) : e);
        }
        Path tampered = dir.resolve("tampered-manifest");
        Files.write(tampered, SignedManifest.sign(new BootManifest(good.manifest().imageId(), Instant.ofEpochSecond(1764547200L), entries),
                Ed25519Keys.readPrivate(keys.privateKey())).encode());
        AttestCommandTest.Run t = AttestCommandTest.leo(withInputs("image", "verify", "--manifest", tampered.toString(),
                "--public-key", keys.publicKey().toString()));
        assertThat(t.status()).isEqualTo(1);
        assertThat(t.out()).contains("vmlinuz: identical").contains("initrd.img: DIFFERS: the manifest says")
                .contains("sha256=" + "0".repeat(64));

        var other = ManifestTool.generateKeyPair(dir.resolve("other"));
        AttestCommandTest.Run f = AttestCommandTest.leo(withInputs("image", "verify", "--manifest", out.resolve("boot-manifest").toString(),
                "--public-key", other.publicKey().toString()));
        assertThat(f.status()).isEqualTo(1);
        assertThat(f.out()).contains("signature: BAD");
    }

    /** build-service prints the image id alone on stdout (for scripts), the same for two builds; a malformed spec exits 2. */
    @Test
    void buildServicePrintsTheSameImageIdTwice() throws Exception {
        String spec = REPO.resolve("os-image/services/common-names.service").toString();
        AttestCommandTest.Run one = AttestCommandTest.leo("image", "build-service", "--spec", spec, "--out", dir.resolve("a.tar").toString(),
                "--cache", CACHE);
        assertThat(one.status()).as(one.err()).isZero();
        assertThat(one.out()).matches("sha256:[0-9a-f]{64}\n");
        assertThat(one.err()).contains("built service image common-names (amd64)");
        AttestCommandTest.Run two = AttestCommandTest.leo("image", "build-service", "--spec", spec, "--out", dir.resolve("b.tar").toString(),
                "--cache", CACHE);
        assertThat(two.out()).isEqualTo(one.out());
        assertThat(Files.readAllBytes(dir.resolve("b.tar"))).isEqualTo(Files.readAllBytes(dir.resolve("a.tar")));

        Path bad = dir.resolve("bad.service");
        Files.writeString(bad, "service grey\nrun /bin/sh\n");
        AttestCommandTest.Run b = AttestCommandTest.leo("image", "build-service", "--spec", bad.toString(), "--out", dir.resolve("c.tar").toString());
        assertThat(b.status()).isEqualTo(2);
        assertThat(b.err()).contains("bad.service line 2: expected service, deb, only or busybox, got: run /bin/sh");
    }
}
