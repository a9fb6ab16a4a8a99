package org.leo.boot.manifest;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/** Fixed test manifests and keys. */
final class TestKeys {
    /** A deterministic key (seeded), so seed files stay valid. */
    static final Ed25519PrivateKeyParameters KEY = new Ed25519PrivateKeyParameters(new byte[32], 0);

    private TestKeys() {
    }

    static Ed25519PrivateKeyParameters random() {
        return new Ed25519PrivateKeyParameters(new SecureRandom());
    }

    static BootManifest sample() {
        return new BootManifest("leo-hpc 2026.11 test", java.time.Instant.parse("2026-11-22T02:00:00Z"), List.of(
                new ManifestEntry("vmlinuz", 8123456, "a".repeat(64)),
                new ManifestEntry("initrd.img", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                new ManifestEntry("efi/boot/bootx64.efi", 1, "0".repeat(64))));
    }

    static Path unused() {
        return Path.of("/nonexistent");
    }
}
