package org.leo.boot.manifest;

/**
 * The verdict on one manifest entry (or one file found in the boot root) by
 * {@link ManifestTool#verify}.
 *
 * @param path   the boot path (for {@link Status#EXTRA} and {@link Status#UNLISTABLE}: as found on disk)
 * @param status what was found
 * @param detail a short explanation (expected vs actual size or digest), empty when OK
 */
public record FileCheck(String path, Status status, String detail) {
    public enum Status {
        /** Size and digest match the manifest. */
        OK,
        /** Listed but absent from the boot root. */
        MISSING,
        /** Listed but a directory, device, or a symlink leaving the root. */
        NOT_REGULAR,
        SIZE_MISMATCH,
        DIGEST_MISMATCH,
        /** A regular file in the boot root that the manifest does not list. */
        EXTRA,
        /** Something in the boot root that no manifest could list (bad name, symlink out of the root). */
        UNLISTABLE
    }
}
