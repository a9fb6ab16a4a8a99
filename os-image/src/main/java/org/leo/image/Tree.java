package org.leo.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The image's file tree while it is assembled: archive path to entry, sorted. Files from disk keep
 * only their permission bits (owner, group and times are the archive's, not the disk's), so
 * where and when a build ran never reaches the output.
 */
public final class Tree {
    private final Map<String, CpioWriter.Entry> entries = new TreeMap<>();

    /** Adds {@code path}'s parent directories (mode 0755) as needed, then the entry. */
    public void add(CpioWriter.Entry e) {
        String p = e.path();
        for (int i = p.indexOf('/'); i > 0; i = p.indexOf('/', i + 1)) {
            entries.putIfAbsent(p.substring(0, i), CpioWriter.Entry.dir(p.substring(0, i), 0755));
        }
        CpioWriter.Entry old = entries.get(p);
        if (old != null && !(old.type() == CpioWriter.S_IFDIR && e.type() == CpioWriter.S_IFDIR)) {
            throw new IllegalArgumentException("two inputs both provide " + p);
        }
        entries.put(p, e);
    }

    public void dir(String path) {
        add(CpioWriter.Entry.dir(path, 0755));
    }

    public void file(String path, int perm, byte[] data) {
        add(CpioWriter.Entry.file(path, perm, data));
    }

    /** Copies one file (a symlink stays a symlink) from disk to {@code path}. */
    public void copy(Path from, String path) throws IOException {
        if (Files.isSymbolicLink(from)) {
            add(CpioWriter.Entry.symlink(path, Files.readSymbolicLink(from).toString()));
        } else if (Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
            add(CpioWriter.Entry.dir(path, perm(from)));
        } else if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
            add(CpioWriter.Entry.file(path, perm(from), Files.readAllBytes(from)));
        } else {
            throw new IOException(from + " is neither a file, a directory nor a symlink");
        }
    }

    /**
     * Copies the tree under {@code from} to {@code prefix} (empty: the archive root), the entries
     * {@code keep} accepts (given the path relative to {@code from}), in sorted order.
     */
    public void copyTree(Path from, String prefix, Predicate<String> keep) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(from)) {
            all = new ArrayList<>(s.filter(p -> !p.equals(from)).sorted(Comparator.comparing(Path::toString)).toList());
        }
        for (Path p : all) {
            String rel = from.relativize(p).toString();
            if (keep.test(rel)) {
                copy(p, prefix.isEmpty() ? rel : prefix + "/" + rel);
            }
        }
    }

    public List<CpioWriter.Entry> entries() {
        return List.copyOf(entries.values());
    }

    private static int perm(Path p) throws IOException {
        int m = 0;
        for (PosixFilePermission x : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) {
            m |= 1 << (8 - x.ordinal());
        }
        return m;
    }

    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
