package org.leo.agent.collect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;

/**
 * The crafted host of {@code src/test/resources/collect/host} copied into a temporary directory,
 * with what git cannot hold made there: the {@code proc/<pid>/exe} links (absolute, like the
 * kernel's), a symlink in the root file system, and exact file modes.
 */
public final class CraftedHost {
    /** The tree, from this module's directory or from a sibling module's (the attestation tests reuse it). */
    static final Path SOURCE = Files.isDirectory(Path.of("src/test/resources/collect/host"))
            ? Path.of("src/test/resources/collect/host") : Path.of("../hpc-agent/src/test/resources/collect/host");

    private CraftedHost() {
    }

    public static HostPaths copyTo(Path dir) {
        try (Stream<Path> all = Files.walk(SOURCE)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = dir.resolve(SOURCE.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                    Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
            Path root = dir.resolve("root");
            Files.setPosixFilePermissions(root.resolve("sbin/init"), PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(root.resolve("usr/bin/worker"), PosixFilePermissions.fromString("rwxr-x---"));
            Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
            Files.createSymbolicLink(dir.resolve("proc/1/exe"), root.resolve("sbin/init").toAbsolutePath());
            Files.createSymbolicLink(dir.resolve("proc/42/exe"), root.resolve("usr/bin/worker").toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HostPaths.under(dir);
    }
}
