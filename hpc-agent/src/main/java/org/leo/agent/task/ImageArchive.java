package org.leo.agent.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.leo.agent.collect.Digests;

/**
 * The content addresses of a {@code docker save} archive, checked by the agent before dockerd reads a
 * byte of it. An image's id is the SHA-256 of its config; the config lists the SHA-256 of each
 * uncompressed layer ({@code rootfs.diff_ids}). So one digest on the ledger pins the whole image, and
 * this check reads the archive once: it hashes every regular file, keeps the small ones that may be
 * metadata, and then requires
 * <ul>
 *   <li>{@code manifest.json} naming exactly one image;</li>
 *   <li>the SHA-256 of that image's config file equal to the expected id;</li>
 *   <li>as many layers as diff_ids, and each layer file's SHA-256 equal to its diff_id (layers are
 *       uncompressed tars, as {@code docker save} writes them; a symbolic or hard link to another layer
 *       file, which older {@code docker save} writes for a repeated layer, counts as that file);</li>
 *   <li>no {@code config.Volumes}: a declared volume would give the guest a writable directory outside
 *       {@code /work}, on the engine's disk;</li>
 *   <li>{@code os} linux when present.</li>
 * </ul>
 * dockerd checks the layers against the diff_ids again while it loads, and the image it ends up with
 * is named by the config's digest (checked again by {@link ImageLoad}); this check is there so that an
 * archive which is not the expected image is never parsed by dockerd at all.
 *
 * @param imageId {@code sha256:<hex>} of the config
 * @param layers  the layer files in the order of the config's diff_ids
 */
public record ImageArchive(String imageId, List<String> layers) {
    /** A digest as the ledger and the engine write it. */
    static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    /** Largest file kept in memory as possible metadata (manifest.json, a config): real ones are a few KiB. */
    static final int MAX_METADATA_FILE = 256 * 1024;
    /** Most bytes kept as possible metadata over the whole archive (the agent's heap is 16 MiB). */
    static final int MAX_METADATA_TOTAL = 2 * 1024 * 1024;
    /** Most entries in an archive (docker save writes 3 to 5 per layer). */
    static final int MAX_ENTRIES = 20_000;
    /** Most layers (overlay2 stacks at most 128 lower directories). */
    static final int MAX_LAYERS = 127;
    static final String MANIFEST = "manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public ImageArchive {
        layers = List.copyOf(layers);
    }

    /** Checks {@code tar} as an image archive whose id must be {@code expectedId}. */
    public static ImageArchive verify(InputStream tar, String expectedId) throws IOException, SandboxException {
        if (!DIGEST.matcher(expectedId).matches()) {
            throw new IllegalArgumentException("expected image digest must be sha256:<64 lower-case hex>, got '" + TarReader.shorten(expectedId) + "'");
        }
        return check(tar, expectedId);
    }

    /** Checks {@code tar} as an image archive and says which image it is. */
    public static ImageArchive inspect(InputStream tar) throws IOException, SandboxException {
        return check(tar, null);
    }

    private static ImageArchive check(InputStream tar, String expectedId) throws IOException, SandboxException {
        Contents c;
        try {
            c = read(tar);
        } catch (EOFException e) {
            throw new SandboxException("image archive is truncated: " + e.getMessage());
        }
        JsonNode manifest = json(c.small.get(MANIFEST), MANIFEST, c);
        if (!manifest.isArray() || manifest.size() != 1) {
            throw new SandboxException("image archive's manifest.json must list exactly one image, it lists "
                    + (manifest.isArray() ? manifest.size() : "no array of") + " images");
        }
        JsonNode entry = manifest.get(0);
        String configName = text(entry, "Config", "manifest.json");
        String configDigest = c.digest(configName);
        if (configDigest == null) {
            throw new SandboxException("image archive has no file " + TarReader.shorten(configName) + ", the config manifest.json names");
        }
        if (expectedId != null && !configDigest.equals(expectedId)) {
            throw new SandboxException("image archive has id " + configDigest + ", expected " + expectedId);
        }
        JsonNode config = json(c.small.get(c.resolve(configName)), configName, c);
        JsonNode diffIds = config.path("rootfs").path("diff_ids");
        if (!"layers".equals(config.path("rootfs").path("type").asText()) || !diffIds.isArray()) {
            throw new SandboxException("image " + configDigest + ": its config has no rootfs of type layers with diff_ids");
        }
        JsonNode layerNames = entry.path("Layers");
        if (!layerNames.isArray() || layerNames.size() != diffIds.size()) {
            throw new SandboxException("image " + configDigest + ": manifest.json lists " + (layerNames.isArray() ? layerNames.size() : 0)
                    + " layers, its config " + diffIds.size() + " diff_ids");
        }
        if (diffIds.size() > MAX_LAYERS) {
            throw new SandboxException("image " + configDigest + " has " + diffIds.size() + " layers, more than the " + MAX_LAYERS + " accepted");
        }
        List<String> layers = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            String name = layerNames.get(i).isTextual() ? layerNames.get(i).asText() : "";
            String want = diffIds.get(i).asText();
            String got = c.digest(name);
            if (got == null) {
                throw new SandboxException("image " + configDigest + ": layer " + (i + 1) + " (" + TarReader.shorten(name) + ") is not in the archive");
            }
            if (!got.equals(want)) {
                throw new SandboxException("image " + configDigest + ": layer " + (i + 1) + " (" + TarReader.shorten(name) + ") has " + got
                        + ", its config says " + TarReader.shorten(want));
            }
            layers.add(name);
        }
        JsonNode volumes = config.path("config").path("Volumes");
        if (volumes.isObject() && volumes.size() > 0) {
            List<String> names = new ArrayList<>();
            volumes.fieldNames().forEachRemaining(names::add);
            throw new SandboxException("image " + configDigest + " declares volumes " + names
                    + ": each would be a writable directory outside /work, on the engine's disk");
        }
        String os = config.path("os").asText("linux");
        if (!os.equals("linux")) {
            throw new SandboxException("image " + configDigest + " is for os " + TarReader.shorten(os) + ", not linux");
        }
        return new ImageArchive(configDigest, layers);
    }

    /** What one pass over the archive found: the digest of every regular file, the bytes of the small ones, links. */
    private static final class Contents {
        final Map<String, String> digests = new HashMap<>();
        final Map<String, byte[]> small = new HashMap<>();
        final Map<String, String> links = new HashMap<>();

        /** The name a link points to, followed at most a few times; the name itself for a file. */
        String resolve(String name) throws SandboxException {
            String n = TarReader.normalize(name);
            for (int hops = 0; hops < 4 && links.containsKey(n); hops++) {
                n = links.get(n);
            }
            return n;
        }

        String digest(String name) throws SandboxException {
            return digests.get(resolve(name));
        }
    }

    private static Contents read(InputStream tar) throws IOException, SandboxException {
        Contents c = new Contents();
        TarReader r = new TarReader(tar);
        int entries = 0;
        long kept = 0;
        byte[] buffer = new byte[64 * 1024];
        for (TarReader.Entry e = r.next(); e != null; e = r.next()) {
            if (++entries > MAX_ENTRIES) {
                throw new SandboxException("image archive has more than " + MAX_ENTRIES + " entries");
            }
            if (e.isSymlink() || e.isHardLink()) {
                String target = e.isSymlink() ? symlinkTarget(e.name(), e.linkName()) : TarReader.normalize(e.linkName());
                putOnce(c.links, e.name(), target);
                continue;
            }
            if (!e.isFile()) {
                continue;
            }
            boolean keep = e.size() <= MAX_METADATA_FILE && kept + e.size() <= MAX_METADATA_TOTAL;
            ByteArrayOutputStream bytes = keep ? new ByteArrayOutputStream((int) e.size()) : null;
            MessageDigest md = Digests.sha256();
            InputStream in = r.content();
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                md.update(buffer, 0, n);
                if (bytes != null) {
                    bytes.write(buffer, 0, n);
                }
            }
            putOnce(c.digests, e.name(), "sha256:" + HexFormat.of().formatHex(md.digest()));
            if (bytes != null) {
                c.small.put(e.name(), bytes.toByteArray());
                kept += e.size();
            }
        }
        return c;
    }

    /** The archive name a symbolic link at {@code name} points to (relative to its directory). */
    static String symlinkTarget(String name, String target) throws SandboxException {
        if (target.startsWith("/")) {
            return TarReader.normalize(target.substring(1));
        }
        List<String> parts = new ArrayList<>(List.of(name.split("/")));
        parts.remove(parts.size() - 1);
        for (String p : target.split("/")) {
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw new SandboxException("symbolic link " + TarReader.shorten(name) + " points outside the archive");
                }
                parts.remove(parts.size() - 1);
            } else if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    /** A name seen twice could mean one thing to this check and another to dockerd: refused. */
    private static void putOnce(Map<String, String> map, String name, String value) throws SandboxException {
        if (map.putIfAbsent(name, value) != null) {
            throw new SandboxException("image archive has two entries named " + TarReader.shorten(name));
        }
    }

    private static JsonNode json(byte[] bytes, String name, Contents c) throws SandboxException {
        if (bytes == null) {
            throw new SandboxException(c.digests.containsKey(name)
                    ? "image archive's " + TarReader.shorten(name) + " is larger than the " + MAX_METADATA_FILE + " bytes accepted for metadata"
                    : "image archive has no " + TarReader.shorten(name) + " (not a docker save archive)");
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw new SandboxException("image archive's " + TarReader.shorten(name) + " is not JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String text(JsonNode node, String field, String where) throws SandboxException {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new SandboxException("image archive's " + where + " has no " + field);
        }
        return v.asText();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return TarReader.shorten(nl < 0 ? s : s.substring(0, nl));
    }
}
