package org.leo.boot.manifest;

import org.leo.boot.manifest.Ed25519Keys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestToolTest {
    @TempDir
    Path tmp;
    Path root;
    Path manifest;
    ManifestTool.KeyFiles keys;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.resolve("root"));
        Files.write(root.resolve("vmlinuz"), new byte[] {1, 2, 3});
        Files.write(root.resolve("initrd.img"), new byte[0]);
        Files.createDirectories(root.resolve("efi/boot"));
        Files.write(root.resolve("efi/boot/bootx64.efi"), new byte[513]);
        keys = ManifestTool.generateKeyPair(tmp.resolve("keys"));
        manifest = tmp.resolve("boot.manifest");
    }

    private Map<String, FileCheck.Status> statuses(VerifyReport r) {
        return r.files().stream().collect(Collectors.toMap(FileCheck::path, FileCheck::status));
    }

    @Test
    void createThenVerifyIsClean() throws Exception {
        SignedManifest signed = ManifestTool.create(root, keys.privateKey(), manifest, "test image");
        assertThat(signed.manifest().entries()).extracting(ManifestEntry::path)
                .containsExactly("efi/boot/bootx64.efi", "initrd.img", "vmlinuz");
        assertThat(signed.manifest().entry("vmlinuz").get().sha256Hex())
                .isEqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81");
        VerifyReport r = ManifestTool.verify(manifest, keys.publicKey(), root);
        assertThat(r.ok()).isTrue();
        assertThat(r.signatureValid()).isTrue();
        assertThat(r.files()).hasSize(3).allMatch(f -> f.status() == FileCheck.Status.OK);
        assertThat(ManifestTool.loadVerified(manifest, keys.publicKey())).isEqualTo(signed.manifest());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.privateKey()))).isEqualTo("rw-------");
    }

    @Test
    void manifestInsideTheRootIsNotListed() throws Exception {
        Path inside = root.resolve("boot.manifest");
        SignedManifest signed = ManifestTool.create(root, keys.privateKey(), inside, "test image");
        assertThat(signed.manifest().entry("boot.manifest")).isEmpty();
        assertThat(ManifestTool.verify(inside, keys.publicKey(), root).ok()).isTrue();
    }

    @Test
    void oneTamperedByteIsADigestMismatch() throws Exception {
        ManifestTool.create(root, keys.privateKey(), manifest, "test image");
        byte[] efi = Files.readAllBytes(root.resolve("efi/boot/bootx64.efi"));
        efi[511] ^= 1;
        Files.write(root.resolve("efi/boot/bootx64.efi"), efi);
        VerifyReport r = ManifestTool.verify(manifest, keys.publicKey(), root);
        assertThat(r.ok()).isFalse();
        assertThat(r.signatureValid()).isTrue();
        assertThat(statuses(r)).containsEntry("efi/boot/bootx64.efi", FileCheck.Status.DIGEST_MISMATCH)
                .containsEntry("vmlinuz", FileCheck.Status.OK);
    }

    @Test
    void extraMissingAndResizedFilesAreReported() throws Exception {
        ManifestTool.create(root, keys.privateKey(), manifest, "test image");
        Files.write(root.resolve("extra.bin"), new byte[] {9});
        Files.delete(root.resolve("initrd.img"));
        Files.write(root.resolve("vmlinuz"), new byte[] {1, 2, 3, 4});
        VerifyReport r = ManifestTool.verify(manifest, keys.publicKey(), root);
        assertThat(statuses(r)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "efi/boot/bootx64.efi", FileCheck.Status.OK,
                "initrd.img", FileCheck.Status.MISSING,
                "vmlinuz", FileCheck.Status.SIZE_MISMATCH,
                "extra.bin", FileCheck.Status.EXTRA));
        assertThat(r.problems()).hasSize(3);
    }

    @Test
    void wrongKeyIsAnInvalidSignature() throws Exception {
        ManifestTool.create(root, keys.privateKey(), manifest, "test image");
        ManifestTool.KeyFiles other = ManifestTool.generateKeyPair(tmp.resolve("other"));
        VerifyReport r = ManifestTool.verify(manifest, other.publicKey(), root);
        assertThat(r.signatureValid()).isFalse();
        assertThat(r.ok()).isFalse();
        assertThat(r.files()).allMatch(f -> f.status() == FileCheck.Status.OK);
        assertThatThrownBy(() -> ManifestTool.loadVerified(manifest, other.publicKey()))
                .isInstanceOf(ManifestFormatException.class).hasMessageStartingWith("signature does not verify with key ");
    }

    @Test
    void editedManifestTextFailsTheSignature() throws Exception {
        ManifestTool.create(root, keys.privateKey(), manifest, "test image");
        Files.writeString(manifest, Files.readString(manifest).replace("test image", "test imagf"));
        assertThat(ManifestTool.verify(manifest, keys.publicKey(), root).signatureValid()).isFalse();
    }

    @Test
    void symlinkLeavingTheRootIsRefusedByCreate() throws Exception {
        Files.createSymbolicLink(root.resolve("passwd"), Path.of("/etc/passwd"));
        assertThatThrownBy(() -> ManifestTool.create(root, keys.privateKey(), manifest, "x"))
                .isInstanceOf(IOException.class).hasMessage("cannot list passwd in a manifest: symlink leaves the boot root");
        assertThat(manifest).doesNotExist();
    }

    @Test
    void symlinkInsideTheRootIsListedUnderItsName() throws Exception {
        Files.createSymbolicLink(root.resolve("kernel"), Path.of("vmlinuz"));
        SignedManifest signed = ManifestTool.create(root, keys.privateKey(), manifest, "x");
        assertThat(signed.manifest().entry("kernel").get().sha256Hex()).isEqualTo(signed.manifest().entry("vmlinuz").get().sha256Hex());
    }

    @Test
    void keysAreNotOverwrittenAndGarbageKeysAreRejected() throws Exception {
        assertThatThrownBy(() -> ManifestTool.generateKeyPair(tmp.resolve("keys"))).isInstanceOf(IOException.class);
        Path bad = tmp.resolve("bad.pub");
        Files.writeString(bad, "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAAAAA\n-----END PUBLIC KEY-----\n");
        assertThatThrownBy(() -> Ed25519Keys.readPublic(bad)).hasMessageEndingWith("not an Ed25519 key (wrong DER structure)");
        assertThatThrownBy(() -> Ed25519Keys.readPrivate(keys.publicKey())).hasMessageContaining("expected -----BEGIN PRIVATE KEY-----");
    }
}
