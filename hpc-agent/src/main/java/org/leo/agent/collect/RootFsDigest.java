package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The digest of a running root file system: SHA-256 over one line per regular file and symbolic
 * link,
 * <pre>
 *   PATH SP MODE SP SIZE SP SHA256 LF
 * </pre>
 * where PATH is "/"-rooted and relative to the walked root, with every byte &lt;= 0x20, '%' and
 * 0x7f written as "%XX" (upper-case hex); MODE is st_mode in octal ("100755", "120777"); SIZE the
 * byte count (for a link, of its target text); SHA256 the lower-case hex digest of the contents
 * (for a link, of its target text), or "-" for a file that exists but cannot be read.
 *
 * <p>Order: depth first; the entries of each directory in unsigned byte order of their UTF-8
 * names; a directory's contents where its name sorts. Directories themselves, devices, sockets
 * and FIFOs give no line. Not walked: the top-level {@value #EXCLUDED_DESCRIPTION} and any
 * directory on a different device than the root (another mount, like {@code find -xdev}).
 * Whoever builds the reference digest (the os-image builder) must follow this definition exactly.
 *
 * <p>Names are decoded by the JVM's {@code sun.jnu.encoding}: run the agent with a UTF-8 locale
 * ({@code LANG=C.UTF-8}) so non-ASCII names keep their bytes.
 */
public final class RootFsDigest {
    /** Most lines (files and links): an initramfs has a few thousand; a full distribution ~100k. */
    public static final int MAX_FILES = 262_144;
    /** Most bytes of regular files hashed: 16 GiB (an initramfs lives in RAM; this is 4x a large one). */
    public static final long MAX_TOTAL_BYTES = 16L << 30;
    /** Deepest directory walked. */
    public static final int MAX_DEPTH = 64;
    /** Top-level directories never walked: kernel and volatile file systems. */
    public static final Set<String> EXCLUDED = Set.of("proc", "sys", "dev", "run", "tmp");
    static final String EXCLUDED_DESCRIPTION = "proc, sys, dev, run and tmp";

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFDIR = 0040000;
    private static final HexFormat HEX = HexFormat.of();

    /**
     * @param digest SHA-256 over the lines
     * @param files  the number of lines
     */
    public record Result(byte[] digest, int files) {
    }

    private final MessageDigest outer = Digests.sha256();
    private final MessageDigest inner = Digests.sha256();
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
    private final Object rootDevice;
    private final int maxFiles;
    private final long maxBytes;
    private int files;
    private long bytes;

    private RootFsDigest(Object rootDevice, int maxFiles, long maxBytes) {
        this.rootDevice = rootDevice;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
    }

    /**
     * Walks {@code root} and digests it.
     *
     * @throws CollectException if a cap is exceeded or the root cannot be read
     */
    public static Result digest(Path root) throws CollectException {
        return digest(root, MAX_FILES, MAX_TOTAL_BYTES);
    }

    /** {@link #digest(Path)} with other caps (tests). */
    static Result digest(Path root, int maxFiles, long maxBytes) throws CollectException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(root, "unix:dev");
        } catch (IOException | UnsupportedOperationException e) {
            throw new CollectException("root file system " + root + " cannot be read: " + e.getMessage(), e);
        }
        RootFsDigest d = new RootFsDigest(a.get("dev"), maxFiles, maxBytes);
        d.walk(root, "", 0);
        return new Result(d.outer.digest(), d.files);
    }

    private void walk(Path dir, String prefix, int depth) throws CollectException {
        if (depth > MAX_DEPTH) {
            throw new CollectException("root file system: " + prefix + " is deeper than " + MAX_DEPTH + " directories");
        }
        List<byte[]> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | java.nio.file.DirectoryIteratorException e) {
            return; // vanished or unreadable: its contents give no lines
        }
        names.sort(Arrays::compareUnsigned);
        for (byte[] nameBytes : names) {
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            if (depth == 0 && EXCLUDED.contains(name)) {
                continue;
            }
            Path p = dir.resolve(name);
            Map<String, Object> a;
            try {
                a = Files.readAttributes(p, "unix:mode,size,dev", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                continue; // vanished between listing and stat
            }
            int mode = (Integer) a.get("mode");
            String path = prefix + "/" + escape(nameBytes);
            switch (mode & S_IFMT) {
                case S_IFDIR -> {
                    if (a.get("dev").equals(rootDevice)) {
                        walk(p, path, depth + 1);
                    }
                }
                case S_IFREG -> line(path, mode, (Long) a.get("size"), hashFile(p, (Long) a.get("size")));
                case S_IFLNK -> {
                    byte[] target;
                    try {
                        target = Files.readSymbolicLink(p).toString().getBytes(StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        continue;
                    }
                    inner.reset();
                    line(path, mode, target.length, HEX.formatHex(inner.digest(target)));
                }
                default -> {
                    // devices, sockets, FIFOs: no line
                }
            }
        }
    }

    private void line(String path, int mode, long size, String hex) throws CollectException {
        if (++files > maxFiles) {
            throw new CollectException("root file system has more than " + maxFiles + " files and links");
        }
        outer.update((path + " " + Integer.toOctalString(mode) + " " + size + " " + hex + "\n")
                .getBytes(StandardCharsets.UTF_8));
    }

    private String hashFile(Path p, long size) throws CollectException {
        bytes += size;
        if (bytes > maxBytes) {
            throw new CollectException("root file system holds more than " + maxBytes
                    + " bytes of regular files");
        }
        inner.reset();
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            Digests.update(inner, ch, buffer, size);
        } catch (NoSuchFileException e) {
            return "-";
        } catch (IOException e) {
            return "-";
        }
        return HEX.formatHex(inner.digest());
    }

    /** Percent-escapes the bytes of a name that would break the line format. */
    static String escape(byte[] name) {
        StringBuilder s = null;
        for (int i = 0; i < name.length; i++) {
            int b = name[i] & 0xff;
            if (b <= 0x20 || b == '%' || b == 0x7f) {
                if (s == null) {
                    s = new StringBuilder();
                    s.append(new String(name, 0, i, StandardCharsets.UTF_8));
                }
                s.append('%').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 15, 16)));
            } else if (s != null) {
                // Copy one UTF-8 sequence: bytes >= 0x80 are never escaped, so whole characters pass.
                int end = i + 1;
                while (end < name.length && (name[end] & 0xc0) == 0x80) {
                    end++;
                }
                s.append(new String(name, i, end - i, StandardCharsets.UTF_8));
                i = end - 1;
            }
        }
        return s == null ? new String(name, StandardCharsets.UTF_8) : s.toString();
    }
}
