package org.leo.agent.task;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * A service image for tests, built without a registry: one layer holding a static busybox and a link
 * for each of its applets in {@code /bin}, a config, and the {@code docker save} archive of both,
 * written deterministically, so the test knows the image id (the SHA-256 of the config) before the load.
 *
 * @param archive the {@code docker save} tar
 * @param id      {@code sha256:} of the config: the digest the ledger would hold
 * @param config  the config JSON
 */
public record TestImage(byte[] archive, String id, byte[] config) {
    static final Path[] BUSYBOX_CANDIDATES = {Path.of("/bin/busybox"), Path.of("/usr/bin/busybox")};

    /** A static busybox on this machine (it must run in a root holding nothing else), or empty. */
    public static Optional<Path> staticBusybox() {
        for (Path p : BUSYBOX_CANDIDATES) {
            if (Files.isRegularFile(p) && isStaticElf(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public static String noStaticBusyboxReason() {
        return "no static busybox in /bin or /usr/bin (Debian package busybox-static; scripts/install-deps test installs it)";
    }

    /** An ELF executable without a PT_INTERP program header: it needs no dynamic loader. */
    static boolean isStaticElf(Path p) {
        try (InputStream in = Files.newInputStream(p)) {
            ByteBuffer h = ByteBuffer.wrap(in.readNBytes(64)).order(ByteOrder.LITTLE_ENDIAN);
            if (h.limit() < 64 || h.getInt(0) != 0x464c457f || h.get(4) != 2) {
                return false; // not a 64-bit ELF
            }
            long phoff = h.getLong(0x20);
            int phentsize = Short.toUnsignedInt(h.getShort(0x36));
            int phnum = Short.toUnsignedInt(h.getShort(0x38));
            byte[] all = Files.readAllBytes(p);
            for (int i = 0; i < phnum; i++) {
                int off = (int) (phoff + (long) i * phentsize);
                if (ByteBuffer.wrap(all, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == 3) {
                    return false; // PT_INTERP
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The plain busybox image, for a test that runs it on a private dockerd: skips the calling test (a JUnit assumption,
     * with the reason) unless {@link DockerdProcess} can start here and a static busybox is installed.
     */
    public static TestImage assumeBusyboxOnDockerd() throws IOException {
        Optional<String> why = DockerdProcess.unavailableReason();
        Assumptions.assumeTrue(why.isEmpty(), () -> why.orElse(""));
        Optional<Path> bb = staticBusybox();
        Assumptions.assumeTrue(bb.isPresent(), TestImage::noStaticBusyboxReason);
        return busybox(bb.get());
    }

    /** The plain busybox image. */
    public static TestImage busybox(Path busybox) throws IOException {
        return builder(busybox).build();
    }

    static Builder builder(Path busybox) throws IOException {
        return new Builder(busyboxLayer(busybox));
    }

    /** An image of one given layer (tests of the archive check, which need no busybox). */
    static Builder withLayer(byte[] layer) {
        return new Builder(layer);
    }

    static final class Builder {
        private final byte[] layer;
        private final List<String> volumes = new ArrayList<>();
        private String diffIdOverride;

        private Builder(byte[] layer) {
            this.layer = layer;
        }

        /** The config declares {@code path} as a volume. */
        Builder volume(String path) {
            volumes.add(path);
            return this;
        }

        /** The config names this diff_id for the layer instead of the layer's own digest. */
        Builder diffId(String digest) {
            diffIdOverride = digest;
            return this;
        }

        TestImage build() {
            String diffId = diffIdOverride != null ? diffIdOverride : sha256(layer);
            String vols = volumes.isEmpty() ? "" : ",\"Volumes\":{" + String.join(",", volumes.stream().map(v -> "\"" + v + "\":{}").toList()) + "}";
            byte[] config = ("{\"architecture\":\"" + arch() + "\",\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"/bin/sh\"],\"WorkingDir\":\"/work\"" + vols + "},"
                    + "\"created\":\"1970-01-01T00:00:00Z\",\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"leo TestImage\"}],"
                    + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String id = sha256(config);
            String layerDir = layerDir();
            byte[] archive = new TarWriter().dir(layerDir).file(layerDir + "/layer.tar", 0644, layer).file(configName(id), 0644, config)
                    .file("manifest.json", 0644, manifest(configName(id), layerDir + "/layer.tar")).finish();
            return new TestImage(archive, id, config);
        }

        String layerDir() {
            return sha256(layer).substring("sha256:".length());
        }
    }

    static String configName(String id) {
        return id.substring("sha256:".length()) + ".json";
    }

    static byte[] manifest(String config, String... layers) {
        return ("[{\"Config\":\"" + config + "\",\"RepoTags\":null,\"Layers\":[" + String.join(",", List.of(layers).stream().map(l -> "\"" + l + "\"").toList())
                + "]}]").getBytes(StandardCharsets.UTF_8);
    }

    /** bin/busybox, bin/APPLET -> busybox for each applet, and the empty directories a root needs. */
    static byte[] busyboxLayer(Path busybox) throws IOException {
        TarWriter t = new TarWriter().dir("bin").dir("etc").dir("work");
        t.file("bin/busybox", 0755, Files.readAllBytes(busybox));
        for (String applet : applets(busybox)) {
            if (!applet.equals("busybox")) {
                t.symlink("bin/" + applet, "busybox");
            }
        }
        return t.finish();
    }

    private static List<String> applets(Path busybox) throws IOException {
        Process p = new ProcessBuilder(busybox.toString(), "--list").redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return out.lines().map(String::strip).filter(a -> a.matches("[a-z0-9_.\\[-]+")).sorted().toList();
        }
    }

    static String sha256(byte[] b) {
        return "sha256:" + HexFormat.of().formatHex(digest(b));
    }

    /** The SHA-256 of {@code b}. */
    public static byte[] digest(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("aarch64") ? "arm64" : a.equals("x86_64") ? "amd64" : a;
    }
}
