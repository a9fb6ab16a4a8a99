package org.leo.pxe.boot;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import org.leo.boot.net.MacAddress;

/**
 * A boot file cleared for serving: an immutable snapshot of bytes that were hashed and matched
 * against the signed manifest before this object was made. Transports send slices of
 * {@link #content()}, so what goes on the wire is exactly what was measured.
 *
 * @param name      the normalised name inside the boot root (e.g. {@code vmlinuz})
 * @param content   read-only bytes; callers take {@link ByteBuffer#duplicate()} views
 * @param sha256Hex the digest the manifest lists for these bytes (lower-case hex)
 * @param mac       the client's MAC, when the client could be identified (by its lease)
 * @param generated true for files made per client (iPXE scripts), which are not in the manifest
 */
public record ServedFile(String name, ByteBuffer content, String sha256Hex, Optional<MacAddress> mac, boolean generated) {
    public ServedFile {
        Objects.requireNonNull(name, "name");
        content = content.asReadOnlyBuffer();
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        Objects.requireNonNull(mac, "mac");
    }

    public long size() {
        return content.remaining();
    }

    /** A fresh read-only view positioned at the start; safe to hand to one transfer. */
    public ByteBuffer view() {
        return content.duplicate();
    }
}
