package org.leo.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes a "newc" cpio archive (the format the Linux kernel unpacks as an initramfs,
 * Documentation/driver-api/early-userspace/buffer-format.rst) deterministically: entries sorted
 * by path (bytewise), every parent directory present before its children, uid and gid 0, one
 * fixed mtime (SOURCE_DATE_EPOCH), inode numbers assigned in order, nlink 2 for directories and 1
 * otherwise, check field 0, and the {@code TRAILER!!!} entry. Equal entries give equal bytes.
 *
 * <p>Each header is 110 bytes: the magic {@code 070701} and thirteen 8-digit hex fields; the name
 * (with its NUL) is padded so header plus name is a multiple of 4, and the data to a multiple
 * of 4.
 */
public final class CpioWriter {
    /** File type bits of {@code st_mode}. */
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;
    static final String MAGIC = "070701";
    static final String TRAILER = "TRAILER!!!";
    /** Longest path accepted (the kernel's PATH_MAX). */
    static final int MAX_NAME = 4095;

    /** One archive member. {@code data} is the file's bytes or a symlink's target; empty otherwise. */
    public record Entry(String path, int mode, byte[] data, int rdevMajor, int rdevMinor) {
        public Entry {
            if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")
                    || path.equals("..") || path.startsWith("../") || path.contains("/../") || path.endsWith("/..")
                    || path.contains("\0") || path.length() > MAX_NAME) {
                throw new IllegalArgumentException("bad archive path '" + path + "': relative, no empty, '..' or NUL parts");
            }
            if ((mode & ~0177777) != 0) {
                throw new IllegalArgumentException(path + ": mode " + Integer.toOctalString(mode) + " has bits beyond st_mode");
            }
        }

        public static Entry dir(String path, int perm) {
            return new Entry(path, S_IFDIR | perm, new byte[0], 0, 0);
        }

        public static Entry file(String path, int perm, byte[] data) {
            return new Entry(path, S_IFREG | perm, data, 0, 0);
        }

        public static Entry symlink(String path, String target) {
            return new Entry(path, S_IFLNK | 0777, target.getBytes(StandardCharsets.UTF_8), 0, 0);
        }

        public static Entry charDevice(String path, int perm, int major, int minor) {
            return new Entry(path, S_IFCHR | perm, new byte[0], major, minor);
        }

        int type() {
            return mode & 0170000;
        }
    }

    private CpioWriter() {
    }

    /**
     * Writes {@code entries} (any order) as one archive to {@code out}.
     *
     * @param mtime seconds since the epoch, the same for every entry (SOURCE_DATE_EPOCH)
     * @throws IllegalArgumentException on a duplicate path or an entry whose parent directory is missing
     */
    public static void write(List<Entry> entries, long mtime, OutputStream out) throws IOException {
        if (mtime < 0 || mtime > 0xffffffffL) {
            throw new IllegalArgumentException("mtime " + mtime + " does not fit the newc field");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparing(e -> e.path().getBytes(StandardCharsets.UTF_8), java.util.Arrays::compareUnsigned));
        Set<String> dirs = new HashSet<>();
        String previous = null;
        long ino = 1;
        for (Entry e : sorted) {
            if (e.path().equals(previous)) {
                throw new IllegalArgumentException("duplicate archive path " + e.path());
            }
            int slash = e.path().lastIndexOf('/');
            if (slash > 0 && !dirs.contains(e.path().substring(0, slash))) {
                throw new IllegalArgumentException(e.path() + ": its directory " + e.path().substring(0, slash) + " is not in the archive");
            }
            if (e.type() == S_IFDIR) {
                dirs.add(e.path());
            }
            header(out, ino++, e.mode(), e.type() == S_IFDIR ? 2 : 1, mtime, e.data().length, e.rdevMajor(), e.rdevMinor(), e.path());
            out.write(e.data());
            pad(out, e.data().length);
            previous = e.path();
        }
        header(out, 0, 0, 1, 0, 0, 0, 0, TRAILER);
    }

    private static void header(OutputStream out, long ino, int mode, int nlink, long mtime, long size, int rmaj, int rmin,
            String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder(110).append(MAGIC);
        for (long f : new long[] {ino, mode, 0, 0, nlink, mtime, size, 0, 0, rmaj, rmin, n.length + 1, 0}) {
            String hex = Long.toHexString(f);
            h.append("0".repeat(8 - hex.length())).append(hex);
        }
        out.write(h.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(n);
        out.write(0);
        pad(out, 110 + n.length + 1);
    }

    private static void pad(OutputStream out, long written) throws IOException {
        int p = (int) ((4 - (written & 3)) & 3);
        for (int i = 0; i < p; i++) {
            out.write(0);
        }
    }
}
