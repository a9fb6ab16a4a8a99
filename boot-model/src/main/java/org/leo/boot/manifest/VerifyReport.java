package org.leo.boot.manifest;

import java.time.Instant;
import java.util.List;

/**
 * Result of {@link ManifestTool#verify}: the signature verdict and one {@link FileCheck} per
 * manifest entry, followed by the checks for files in the boot root the manifest does not list.
 */
public record VerifyReport(boolean signatureValid, String keyFingerprint, String imageId, Instant createdAt,
                           List<FileCheck> files) {
    public VerifyReport {
        files = List.copyOf(files);
    }

    /** True when the signature is valid and every file matched, with nothing extra in the root. */
    public boolean ok() {
        return signatureValid && files.stream().allMatch(f -> f.status() == FileCheck.Status.OK);
    }

    public List<FileCheck> problems() {
        return files.stream().filter(f -> f.status() != FileCheck.Status.OK).toList();
    }
}
