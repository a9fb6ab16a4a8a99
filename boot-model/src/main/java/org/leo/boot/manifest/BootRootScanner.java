package org.leo.boot.manifest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Walks a boot root without following symlinks out of it: regular files and symlinks to regular
 * files inside the root are listable; everything else (bad names, symlinks that leave the
 * root, devices, FIFOs, dangling links) is reported as unlistable.
 */
final class BootRootScanner {
    private static final int READ_CHUNK = 1 << 20;

    /** What the walk found: boot path -> real file, and the things that cannot be listed. */
    record Scan(TreeMap<String, Path> files, List<FileCheck> unlistable) {
    }

    /** A file's size and digest as read from disk. */
    record Measured(long size, String sha256Hex) {
    }

    private BootRootScanner() {
    }

    static Scan scan(Path bootRoot, Set<Path> exclude) throws IOException {
        Path root = bootRoot.toRealPath();
        Set<Path> excluded = new java.util.HashSet<>();
        for (Path p : exclude) {
            excluded.add(p.toAbsolutePath().normalize());
        }
        TreeMap<String, Path> files = new TreeMap<>();
        List<FileCheck> unlistable = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (excluded.contains(file.toAbsolutePath().normalize())) {
                    return FileVisitResult.CONTINUE;
                }
                String name = relative(root, file);
                var problem = BootPath.problem(name);
                if (problem.isPresent()) {
                    unlistable.add(new FileCheck(BootPath.printable(name), FileCheck.Status.UNLISTABLE, problem.get()));
                } else if (attrs.isRegularFile()) {
                    files.put(name, file);
                } else if (attrs.isSymbolicLink()) {
                    Path real;
                    try {
                        real = file.toRealPath();
                    } catch (IOException e) {
                        unlistable.add(new FileCheck(name, FileCheck.Status.UNLISTABLE, "dangling symlink"));
                        return FileVisitResult.CONTINUE;
                    }
                    if (!real.startsWith(root)) {
                        unlistable.add(new FileCheck(name, FileCheck.Status.UNLISTABLE, "symlink leaves the boot root"));
                    } else if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                        unlistable.add(new FileCheck(name, FileCheck.Status.UNLISTABLE, "symlink to something that is not a regular file"));
                    } else {
                        files.put(name, real);
                    }
                } else {
                    unlistable.add(new FileCheck(name, FileCheck.Status.UNLISTABLE, "not a regular file"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Scan(files, unlistable);
    }

    static String relative(Path root, Path file) {
        List<String> parts = new ArrayList<>();
        for (Path p : root.relativize(file)) {
            parts.add(p.toString());
        }
        return String.join("/", parts);
    }

    /** Reads a regular file (not through a symlink) and returns its size and SHA-256. */
    static Measured measure(Path realFile) throws IOException {
        MessageDigest md = Sha256.newDigest();
        long size = 0;
        try (FileChannel ch = FileChannel.open(realFile, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate(READ_CHUNK);
            int n;
            while ((n = ch.read(buf)) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
                size += n;
            }
        }
        return new Measured(size, HexFormat.of().formatHex(md.digest()));
    }
}
