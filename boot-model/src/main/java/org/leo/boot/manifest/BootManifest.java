package org.leo.boot.manifest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The list of artifacts the appliance may serve, with their sizes and SHA-256 digests. Its
 * canonical text (format {@code leo-boot-manifest v1}) is what the Ed25519 signature covers:
 *
 * <pre>
 * leo-boot-manifest v1
 * image-id: &lt;1..128 printable ASCII characters, no leading or trailing space&gt;
 * created-at: &lt;UTC instant, whole seconds, e.g. 2026-11-22T02:27:11Z&gt;
 * entries: &lt;n, decimal&gt;
 * &lt;sha256 hex&gt;  &lt;size&gt;  &lt;path&gt;      (n lines, sorted by path, no duplicates)
 * </pre>
 *
 * Every line ends with a single LF; only printable ASCII is allowed; sizes are decimal without
 * leading zeros; paths follow {@link BootPath}. The entry lines look like {@code sha256sum}
 * output with the size added, so an operator can read and diff them. There is exactly one
 * canonical text per manifest: the parser accepts nothing else, so the bytes that are verified
 * are the bytes that are parsed.
 */
public final class BootManifest {
    /** First line of the canonical text. */
    public static final String MAGIC = "leo-boot-manifest v1";
    /** Longest image id: a name and a version, not a document. */
    public static final int MAX_IMAGE_ID_LENGTH = 128;
    /**
     * Largest artifact: served from one in-memory snapshot (a {@link java.nio.ByteBuffer} is
     * int-indexed), and a boot image larger than 1 GiB does not fit the appliance's RAM budget.
     */
    public static final long MAX_ARTIFACT_SIZE = 1L << 30;
    /** Most entries: a boot root holds a kernel, an initrd, firmware and a few scripts, not thousands. */
    public static final int MAX_ENTRIES = 4096;

    static final DateTimeFormatter CREATED_AT = DateTimeFormatter.ISO_INSTANT;

    private final String imageId;
    private final Instant createdAt;
    private final List<ManifestEntry> entries;
    private final Map<String, ManifestEntry> byPath;

    /**
     * @param entries any order; they are sorted by path. Duplicate paths are an error.
     * @throws IllegalArgumentException when a field breaks the format's rules
     */
    public BootManifest(String imageId, Instant createdAt, List<ManifestEntry> entries) {
        Objects.requireNonNull(imageId, "imageId");
        Objects.requireNonNull(createdAt, "createdAt");
        imageIdProblem(imageId).ifPresent(p -> {
            throw new IllegalArgumentException(p);
        });
        if (entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException("more than " + MAX_ENTRIES + " entries: " + entries.size());
        }
        List<ManifestEntry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(ManifestEntry::path));
        Map<String, ManifestEntry> map = new LinkedHashMap<>();
        for (ManifestEntry e : sorted) {
            if (map.put(e.path(), e) != null) {
                throw new IllegalArgumentException("duplicate path '" + e.path() + "'");
            }
        }
        this.imageId = imageId;
        this.createdAt = createdAt.truncatedTo(ChronoUnit.SECONDS);
        this.entries = Collections.unmodifiableList(sorted);
        this.byPath = Collections.unmodifiableMap(map);
    }

    /** Why {@code id} is not a valid image id, or empty. */
    static Optional<String> imageIdProblem(String id) {
        if (id.isEmpty() || id.length() > MAX_IMAGE_ID_LENGTH) {
            return Optional.of("image id must be 1.." + MAX_IMAGE_ID_LENGTH + " characters");
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return Optional.of("image id must be printable ASCII");
            }
        }
        if (id.charAt(0) == ' ' || id.charAt(id.length() - 1) == ' ') {
            return Optional.of("image id must not start or end with a space");
        }
        return Optional.empty();
    }

    public String imageId() {
        return imageId;
    }

    /** Creation time, whole seconds. */
    public Instant createdAt() {
        return createdAt;
    }

    /** Entries sorted by path. */
    public List<ManifestEntry> entries() {
        return entries;
    }

    public Optional<ManifestEntry> entry(String path) {
        return Optional.ofNullable(byPath.get(path));
    }

    /** The canonical text (see class comment): the signed bytes. */
    public String canonicalText() {
        StringBuilder sb = new StringBuilder(128 + entries.size() * 96);
        sb.append(MAGIC).append('\n');
        sb.append("image-id: ").append(imageId).append('\n');
        sb.append("created-at: ").append(CREATED_AT.format(createdAt)).append('\n');
        sb.append("entries: ").append(entries.size()).append('\n');
        for (ManifestEntry e : entries) {
            sb.append(e.sha256Hex()).append("  ").append(e.size()).append("  ").append(e.path()).append('\n');
        }
        return sb.toString();
    }

    public byte[] canonicalBytes() {
        return canonicalText().getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BootManifest m && m.canonicalText().equals(canonicalText());
    }

    @Override
    public int hashCode() {
        return canonicalText().hashCode();
    }

    @Override
    public String toString() {
        return "BootManifest[" + imageId + ", " + createdAt + ", " + entries.size() + " entries]";
    }
}
