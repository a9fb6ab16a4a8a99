package org.leo.pxe.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk-less test VM's kernel and initramfs, built once and cached between test runs.
 *
 * <p>{@link #ensure()} runs {@code src/test/vm/fetch-debian-boot-inputs.sh} (Debian kernel +
 * busybox-static, idempotent) and then {@code build-test-initramfs.sh} into
 * {@code CACHE/artifacts/<key>/}, where key hashes the build script, the /init, the udhcpc hook and
 * the recorded input versions: a changed script or kernel rebuilds, anything else reuses (~0 s).
 * Cache dir: system property {@code leo.test.cache}, else env {@code LEO_TEST_CACHE}, else
 * {@value #DEFAULT_CACHE}. An exclusive file lock serialises concurrent JVMs.
 *
 * @param dir           the artifact directory
 * @param vmlinuz       the Debian kernel
 * @param initrd        the busybox initramfs (gzip newc cpio)
 * @param kernelVersion e.g. {@code 6.1.0-56-amd64}
 * @param inputs        the cache's {@code inputs.txt}: package versions and .deb sha256s
 */
public record BootArtifacts(Path dir, Path vmlinuz, Path initrd, String kernelVersion, String inputs) {
    private static final Logger LOG = LoggerFactory.getLogger(BootArtifacts.class);
    public static final String DEFAULT_CACHE = "/var/cache/leo-test";
    /** Exit code of the fetch script when the Debian archive is unreachable or the package unknown. */
    static final int FETCH_UNAVAILABLE = 3;
    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(3);
    private static final List<String> SCRIPTS =
            List.of("build-test-initramfs.sh", "initramfs-init.sh", "udhcpc-hook.sh");

    /** The inputs could not be fetched (Debian archive unreachable): system tests skip on this. */
    public static final class UnavailableException extends IOException {
        UnavailableException(String message) {
            super(message);
        }
    }

    public static Path cacheDir() {
        String p = System.getProperty("leo.test.cache");
        if (p == null || p.isBlank()) {
            p = System.getenv("LEO_TEST_CACHE");
        }
        return Path.of(p == null || p.isBlank() ? DEFAULT_CACHE : p);
    }

    /** {@code pxe-server/src/test/vm}: from system property {@code leo.test.vm.scripts}, else basedir. */
    public static Path scriptDir() {
        String p = System.getProperty("leo.test.vm.scripts");
        if (p != null && !p.isBlank()) {
            return Path.of(p);
        }
        String base = System.getProperty("basedir", System.getProperty("user.dir"));
        return Path.of(base, "src", "test", "vm");
    }

    public static BootArtifacts ensure() throws IOException {
        return ensure(cacheDir(), scriptDir());
    }

    public static BootArtifacts ensure(Path cache, Path scripts) throws IOException {
        Files.createDirectories(cache);
        try (FileChannel ch = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = ch.lock()) {
            Exec.Result fetch = Exec.run(FETCH_TIMEOUT, List.of("bash",
                    scripts.resolve("fetch-debian-boot-inputs.sh").toString(), cache.toString()));
            LOG.info("fetch-debian-boot-inputs.sh exit {}:\n{}", fetch.exitCode(), fetch.output().strip());
            if (fetch.exitCode() == FETCH_UNAVAILABLE) {
                throw new UnavailableException(fetch.output().strip());
            }
            fetch.check();
            String inputs = Files.readString(cache.resolve("inputs.txt"));
            String kver = inputs.lines().filter(l -> l.startsWith("KVER=")).map(l -> l.substring(5))
                    .findFirst().orElseThrow(() -> new IOException("no KVER= in " + cache.resolve("inputs.txt")));
            Path out = cache.resolve("artifacts").resolve(key(scripts, inputs));
            Path vmlinuz = out.resolve("vmlinuz");
            Path initrd = out.resolve("initrd.img");
            if (Files.isRegularFile(out.resolve("build-info.txt")) && Files.isRegularFile(vmlinuz)
                    && Files.isRegularFile(initrd)) {
                LOG.info("boot artifacts cached in {} (kernel {})", out, kver);
            } else {
                Exec.Result build = Exec.run(BUILD_TIMEOUT, List.of("bash",
                        scripts.resolve("build-test-initramfs.sh").toString(), cache.toString(), out.toString()))
                        .check();
                LOG.info("{}", build.output().strip());
            }
            pruneOtherBuilds(out);
            return new BootArtifacts(out, vmlinuz, initrd, kver, inputs);
        }
    }

    /** Older builds (other script/input versions) are ~10 MB each: keep only the current one. */
    private static void pruneOtherBuilds(Path current) throws IOException {
        try (Stream<Path> dirs = Files.list(current.getParent())) {
            for (Path d : dirs.filter(d -> !d.equals(current) && Files.isDirectory(d)).toList()) {
                try (Stream<Path> tree = Files.walk(d)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                LOG.info("pruned old boot artifacts {}", d);
            }
        }
    }

    private static String key(Path scripts, String inputs) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String s : SCRIPTS) {
                md.update(s.getBytes(StandardCharsets.UTF_8));
                md.update(Files.readAllBytes(scripts.resolve(s)));
            }
            // only the version lines: the comment line carries the fetch time
            inputs.lines().filter(l -> !l.startsWith("#")).forEach(l -> md.update(l.getBytes(StandardCharsets.UTF_8)));
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
