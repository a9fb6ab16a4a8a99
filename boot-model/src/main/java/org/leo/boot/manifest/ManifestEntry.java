package org.leo.boot.manifest;

import java.util.Objects;

/**
 * One artifact listed in a {@link BootManifest}.
 *
 * @param path      a valid {@link BootPath}
 * @param size      size in bytes, {@code 0..}{@link BootManifest#MAX_ARTIFACT_SIZE}
 * @param sha256Hex SHA-256 of the bytes, 64 lower-case hex digits
 */
public record ManifestEntry(String path, long size, String sha256Hex) {
    public ManifestEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        BootPath.problem(path).ifPresent(p -> {
            throw new IllegalArgumentException(p + ": '" + BootPath.printable(path) + "'");
        });
        if (size < 0 || size > BootManifest.MAX_ARTIFACT_SIZE) {
            throw new IllegalArgumentException("size out of range 0.." + BootManifest.MAX_ARTIFACT_SIZE + ": " + size);
        }
        if (!Sha256.isHex(sha256Hex)) {
            throw new IllegalArgumentException("not a lower-case SHA-256 hex digest: '" + BootPath.printable(sha256Hex) + "'");
        }
    }
}
