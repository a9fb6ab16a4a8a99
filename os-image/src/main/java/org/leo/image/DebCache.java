package org.leo.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.leo.boot.manifest.Sha256;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pinned Debian packages, fetched with {@code apt-get download PACKAGE:ARCH=VERSION} (nothing
 * is installed) into {@code CACHE/debs}, checked against the lock's SHA-256 every time they are
 * used, and unpacked with {@code dpkg-deb -x} into {@code CACHE/unpacked/PACKAGE_VERSION_ARCH}.
 * Packages of another architecture than this machine's need that architecture in dpkg
 * ({@code dpkg --add-architecture arm64 && apt-get update}); the error says so. A package the
 * archive no longer carries (Debian drops superseded versions) is an error that says so.
 */
public final class DebCache {
    private static final Logger LOG = LoggerFactory.getLogger(DebCache.class);
    private final Path dir;

    public DebCache(Path dir) {
        this.dir = dir;
    }

    /**
     * Downloads every one of {@code debs} that is not cached with one {@code apt-get download} (apt reads its package lists
     * once, not once a package: on a fresh machine the appliance image's 128 packages take seconds, not minutes). Nothing is
     * verified here ({@link #fetch} checks each file when it is used); if the batch fails, each package is then fetched
     * alone by {@link #fetch}, whose error names the one that failed.
     */
    public void prefetch(Collection<InputsLock.Deb> debs) throws IOException {
        Path cached = Files.createDirectories(dir.resolve("debs"));
        List<InputsLock.Deb> missing = debs.stream().filter(d -> !Files.exists(cached.resolve(d.fileName()))).distinct().toList();
        if (missing.size() < 2) {
            return;
        }
        LOG.info("downloading {} package(s) with apt-get", missing.size());
        Path tmp = Files.createTempDirectory(cached, ".apt-");
        try {
            List<String> cmd = new ArrayList<>(List.of("apt-get", "download", "-q"));
            missing.forEach(d -> cmd.add(d.name() + ":" + d.arch() + "=" + d.version()));
            Processes.run(tmp, cmd, 1800);
            for (InputsLock.Deb d : missing) {
                Path got = tmp.resolve(d.fileName());
                if (Files.exists(got)) {
                    Files.move(got, cached.resolve(d.fileName()), StandardCopyOption.ATOMIC_MOVE);
                }
            }
        } catch (IOException e) {
            LOG.warn("apt-get download of {} package(s) at once failed ({}); fetching them one by one", missing.size(), e.getMessage());
        } finally {
            try (var s = Files.list(tmp)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(tmp);
        }
    }

    /** The verified .deb of {@code deb}, downloaded if it is not cached. */
    public Path fetch(InputsLock.Deb deb) throws IOException {
        Path debs = Files.createDirectories(dir.resolve("debs"));
        Path file = debs.resolve(deb.fileName());
        if (!Files.exists(file)) {
            LOG.info("downloading {} with apt-get", deb);
            Path tmp = Files.createTempDirectory(debs, ".apt-");
            try {
                try {
                    Processes.run(tmp, List.of("apt-get", "download", "-q", deb.name() + ":" + deb.arch() + "=" + deb.version()), 600);
                } catch (IOException e) {
                    throw new IOException("cannot download " + deb + " (" + e.getMessage() + "); "
                            + (foreignArchMissing(deb.arch()) ? "this machine's dpkg does not know " + deb.arch()
                                    + ": run dpkg --add-architecture " + deb.arch() + " && apt-get update"
                                    : "if the Debian archive no longer has this version, pin the current one in the lock file"
                                            + " (see docs/booting.md)"), e);
                }
                Path got = tmp.resolve(deb.fileName());
                if (!Files.exists(got)) {
                    throw new IOException("apt-get download " + deb + " wrote no " + deb.fileName());
                }
                Files.move(got, file, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                try (var s = Files.list(tmp)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(tmp);
            }
        }
        String sha = Sha256.hex(file);
        if (!sha.equals(deb.sha256())) {
            throw new IOException(file + " has SHA-256 " + sha + ", but the lock pins " + deb + " at " + deb.sha256());
        }
        return file;
    }

    /** The unpacked tree of {@code deb} (fetched and verified first). */
    public Path unpacked(InputsLock.Deb deb) throws IOException {
        Path deb1 = fetch(deb);
        Path target = dir.resolve("unpacked").resolve(deb.name() + "_" + deb.version().replace(':', '_') + "_" + deb.arch());
        Path done = target.resolve(".leo-unpacked-" + deb.sha256());
        if (Files.exists(done)) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), ".x-");
        Processes.run(null, List.of("dpkg-deb", "-x", deb1.toString(), tmp.toString()), 600);
        Files.createFile(tmp.resolve(done.getFileName()));
        if (Files.exists(target)) {
            Tree.delete(target);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** Whether {@code arch} is neither dpkg's own architecture nor one of its foreign ones. */
    static boolean foreignArchMissing(String arch) {
        try {
            String own = Processes.run(null, List.of("dpkg", "--print-architecture"), 30).strip();
            String foreign = Processes.run(null, List.of("dpkg", "--print-foreign-architectures"), 30);
            return !own.equals(arch) && foreign.lines().noneMatch(l -> l.strip().equals(arch));
        } catch (IOException e) {
            return false;
        }
    }
}
