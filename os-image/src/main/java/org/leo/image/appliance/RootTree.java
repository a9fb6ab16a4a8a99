package org.leo.image.appliance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The appliance's root file system while it is assembled: path to node, sorted, files kept as the
 * path they are copied from (the root is hundreds of megabytes; {@link org.leo.image.Tree} holds
 * the initramfs in memory instead). Only permission bits are kept (no setuid, no owner: everything
 * is root's; mksquashfs {@code -all-root}), so nothing of the build machine reaches the image. Two
 * inputs giving one path are an error unless they give the same thing (a directory, the same link,
 * the same bytes). {@link #writeTo} lays it out in a directory for mksquashfs.
 */
final class RootTree {
    /** A directory, a file (from disk or bytes) or a symbolic link. */
    sealed interface Node permits Dir, File, Link {
    }

    record Dir(int perm) implements Node {
    }

    /** A file: {@code source} on disk, or {@code bytes} when the builder wrote it. */
    record File(int perm, Path source, byte[] bytes, String origin) implements Node {
        byte[] read() throws IOException {
            return bytes != null ? bytes : Files.readAllBytes(source);
        }

        long size() throws IOException {
            return bytes != null ? bytes.length : Files.size(source);
        }
    }

    record Link(String target) implements Node {
    }

    private final TreeMap<String, Node> nodes = new TreeMap<>();

    /** Adds {@code path}'s missing parent directories (0755), then the node. */
    void put(String path, Node n) throws IOException {
        check(path);
        for (int i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
            String parent = path.substring(0, i);
            Node p = nodes.putIfAbsent(parent, new Dir(0755));
            if (p != null && !(p instanceof Dir)) {
                throw new IOException(path + ": its parent " + parent + " is not a directory but " + describe(p));
            }
        }
        Node old = nodes.get(path);
        if (old != null && !same(old, n)) {
            throw new IOException("two inputs both provide " + path + ": " + describe(old) + " and " + describe(n));
        }
        if (old == null || n instanceof Dir) {
            nodes.put(path, n);
        }
    }

    void dir(String path, int perm) throws IOException {
        put(path, new Dir(perm));
    }

    void file(String path, int perm, byte[] bytes) throws IOException {
        put(path, new File(perm, null, bytes, "the image builder"));
    }

    void text(String path, int perm, String text) throws IOException {
        file(path, perm, text.getBytes(StandardCharsets.UTF_8));
    }

    void link(String path, String target) throws IOException {
        put(path, new Link(target));
    }

    /** Replaces what is at {@code path} (a file the image changes, e.g. the package's own unit). */
    void replace(String path, Node n) throws IOException {
        nodes.remove(path);
        put(path, n);
    }

    /** Removes {@code path} and everything under it. */
    void remove(String path) {
        nodes.remove(path);
        nodes.subMap(path + "/", path + "/\uffff").clear();
    }

    /**
     * Copies the tree under {@code from}: each entry {@code keep} accepts (given its path relative to
     * {@code from}), under the name {@code rename} gives it.
     */
    void copyTree(Path from, String origin, Predicate<String> keep, UnaryOperator<String> rename) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(from)) {
            all = new ArrayList<>(s.filter(p -> !p.equals(from)).sorted(Comparator.comparing(Path::toString)).toList());
        }
        for (Path p : all) {
            String rel = from.relativize(p).toString();
            if (!keep.test(rel)) {
                continue;
            }
            String to = rename.apply(rel);
            if (Files.isSymbolicLink(p)) {
                put(to, new Link(Files.readSymbolicLink(p).toString()));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                put(to, new Dir(perm(p)));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                put(to, new File(perm(p), p, null, origin));
            } else {
                throw new IOException(p + " (" + origin + ") is neither a file, a directory nor a symlink");
            }
        }
    }

    Optional<Node> get(String path) {
        return Optional.ofNullable(nodes.get(path));
    }

    Map<String, Node> nodes() {
        return java.util.Collections.unmodifiableMap(nodes);
    }

    /** The node {@code path} names, following symbolic links inside the tree (absolute or relative), at most 40 of them. */
    Optional<Node> resolve(String path) {
        String p = path;
        for (int hops = 0; hops < 40; hops++) {
            String[] parts = p.split("/");
            String done = "";
            boolean followed = false;
            for (int i = 0; i < parts.length; i++) {
                if (parts[i].isEmpty() || parts[i].equals(".")) {
                    continue;
                }
                if (parts[i].equals("..")) {
                    done = done.contains("/") ? done.substring(0, done.lastIndexOf('/')) : "";
                    continue;
                }
                String next = done.isEmpty() ? parts[i] : done + "/" + parts[i];
                Node n = nodes.get(next);
                if (n instanceof Link l) {
                    String rest = String.join("/", Arrays.copyOfRange(parts, i + 1, parts.length));
                    String base = l.target().startsWith("/") ? "" : done;
                    p = (base.isEmpty() ? "" : base + "/") + l.target() + (rest.isEmpty() ? "" : "/" + rest);
                    followed = true;
                    break;
                }
                if (n == null) {
                    return Optional.empty();
                }
                done = next;
            }
            if (!followed) {
                return Optional.ofNullable(nodes.get(done));
            }
        }
        return Optional.empty();
    }

    /** Writes every node under {@code dir} (which must be empty), with its permission bits. */
    void writeTo(Path dir) throws IOException {
        for (Map.Entry<String, Node> e : nodes.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Node n = e.getValue();
            if (n instanceof Dir) {
                Files.createDirectories(p);
            } else if (n instanceof File f && f.source() != null) {
                Files.copy(f.source(), p);
            } else if (n instanceof File f) {
                Files.write(p, f.bytes());
            } else if (n instanceof Link l) {
                Files.createSymbolicLink(p, Path.of(l.target()));
            }
        }
        // permissions last, deepest first: a directory without write permission would refuse its children
        for (Map.Entry<String, Node> e : nodes.descendingMap().entrySet()) {
            if (e.getValue() instanceof Dir d) {
                Files.setPosixFilePermissions(dir.resolve(e.getKey()), perms(d.perm()));
            } else if (e.getValue() instanceof File f) {
                Files.setPosixFilePermissions(dir.resolve(e.getKey()), perms(f.perm()));
            }
        }
    }

    private static boolean same(Node a, Node b) throws IOException {
        if (a instanceof Dir && b instanceof Dir) {
            return true;
        }
        if (a instanceof Link x && b instanceof Link y) {
            return x.target().equals(y.target());
        }
        if (a instanceof File x && b instanceof File y) {
            return x.perm() == y.perm() && x.size() == y.size() && Arrays.equals(x.read(), y.read());
        }
        return false;
    }

    private static String describe(Node n) {
        if (n instanceof Link l) {
            return "a link to " + l.target();
        }
        return n instanceof File f ? "a file from " + f.origin() : "a directory";
    }

    private static void check(String path) {
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//") || path.equals("..") || path.startsWith("../")
                || path.contains("/../") || path.endsWith("/..") || path.contains("\0")) {
            throw new IllegalArgumentException("bad path '" + path + "' in the root: relative, no empty or '..' parts");
        }
    }

    static int perm(Path p) throws IOException {
        int m = 0;
        for (PosixFilePermission x : Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)) {
            m |= 1 << (8 - x.ordinal());
        }
        return m;
    }

    static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission x : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - x.ordinal()))) != 0) {
                s.add(x);
            }
        }
        return s;
    }
}
