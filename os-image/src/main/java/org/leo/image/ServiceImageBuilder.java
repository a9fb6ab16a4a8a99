package org.leo.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Builds a service image (docs/tasks.md "Service images (built)") from pinned Debian packages
 * ({@link ServiceSpec}) without a registry or a Docker engine: one layer (a ustar of the packages'
 * programs and libraries, the busybox applet links, {@code /etc/passwd} and {@code /etc/group} with
 * nobody, and an empty {@code /work}), its config, and the {@code docker save} archive of both
 * ({@code manifest.json}, {@code ID.json}, {@code LAYER/layer.tar}), which hpc-agent's
 * {@code ImageArchive} checks and {@code docker load} reads.
 *
 * <p>The config: {@code User 65534:65534}, {@code Env PATH=/usr/bin:/bin TMPDIR=/work} (the root is read-only: pnmtopng writes a temporary file), {@code WorkingDir /work},
 * {@code Cmd sh /work/code} (the service's code capsule is decrypted to {@code /work/code}), no
 * volumes, {@code os linux}, the packages' architecture, created at the epoch. Every byte is fixed
 * by the spec and the packages, so the image id (the config's SHA-256) is too; two builds give the
 * same archive ({@code ServiceImageBuilderTest}).
 */
public final class ServiceImageBuilder {
    /** What was built: the archive, the image id ({@code sha256:HEX}) and the layer's size. */
    public record Built(Path archive, String id, String diffId, long layerBytes, int entries) {
    }

    /** Files and directories of a package that go into the image (paths relative to the package root). */
    static boolean programOrLibrary(String rel) {
        return (rel.equals("bin") || rel.startsWith("bin/") || rel.equals("sbin") || rel.startsWith("sbin/") || rel.startsWith("lib")
                || rel.equals("usr") || rel.startsWith("usr/bin") || rel.startsWith("usr/sbin") || rel.startsWith("usr/lib"))
                && !rel.contains("/gconv") && !rel.contains("/audit") && !rel.startsWith(".leo");
    }

    private ServiceImageBuilder() {
    }

    /** Builds {@code spec} into {@code out} (written whole, then renamed), with packages from {@code cacheDir}. */
    public static Built build(ServiceSpec spec, Path cacheDir, Path out) throws IOException {
        DebCache cache = new DebCache(cacheDir);
        cache.prefetch(spec.lock().debs());
        Tree tree = new Tree();
        tree.dir("work");
        tree.dir("etc");
        tree.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                .getBytes(StandardCharsets.US_ASCII));
        tree.file("etc/group", 0644, "root:x:0:\nnogroup:x:65534:\n".getBytes(StandardCharsets.US_ASCII));
        for (InputsLock.Deb deb : spec.lock().debs()) {
            Path root = cache.unpacked(deb);
            List<String> only = spec.only().get(deb.name());
            if (only == null) {
                tree.copyTree(root, "", ServiceImageBuilder::programOrLibrary);
            } else {
                for (String p : only) {
                    if (!Files.exists(root.resolve(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException(deb + " has no " + p + " (the spec's 'only " + deb.name() + "')");
                    }
                    tree.copy(root.resolve(p), p);
                }
            }
        }
        for (String applet : spec.applets()) {
            if (!applet.equals("busybox")) {
                tree.add(CpioWriter.Entry.symlink("bin/" + applet, "busybox"));
            }
        }
        List<CpioWriter.Entry> entries = tree.entries();
        if (entries.stream().noneMatch(e -> e.path().equals("bin/sh"))) {
            throw new IOException(spec.name() + ": the image has no bin/sh to run /work/code with (add 'busybox sh' or a shell package)");
        }
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        UstarWriter.write(entries, 0, layer);
        byte[] layerBytes = layer.toByteArray();
        String diffId = sha256(layerBytes);
        byte[] config = config(spec, diffId);
        String id = sha256(config);
        String layerDir = hex(diffId);
        String configName = hex(id) + ".json";
        byte[] manifest = ("[{\"Config\":\"" + configName + "\",\"RepoTags\":null,\"Layers\":[\"" + layerDir + "/layer.tar\"]}]")
                .getBytes(StandardCharsets.UTF_8);
        Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
        try (OutputStream o = Files.newOutputStream(tmp)) {
            UstarWriter.write(List.of(CpioWriter.Entry.dir(layerDir, 0755), CpioWriter.Entry.file(layerDir + "/layer.tar", 0644, layerBytes),
                    CpioWriter.Entry.file(configName, 0644, config), CpioWriter.Entry.file("manifest.json", 0644, manifest)), 0, o);
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return new Built(out, id, diffId, layerBytes.length, entries.size());
    }

    /** The image config, its keys in a fixed order. */
    static byte[] config(ServiceSpec spec, String diffId) {
        return ("{\"architecture\":\"" + spec.arch() + "\",\"config\":{\"User\":\"65534:65534\",\"Env\":[\"PATH=/usr/bin:/bin\",\"TMPDIR=/work\"],"
                + "\"Cmd\":[\"/bin/sh\",\"/work/code\"],\"WorkingDir\":\"/work\"},\"created\":\"1970-01-01T00:00:00Z\","
                + "\"history\":[{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"leo image build-service " + spec.name() + "\"}],"
                + "\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
    }

    static String sha256(byte[] b) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(String digest) {
        return digest.substring("sha256:".length());
    }
}
