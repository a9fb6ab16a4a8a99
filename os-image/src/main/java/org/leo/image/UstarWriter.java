package org.leo.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a POSIX ustar archive (a service image's layer, and the {@code docker save} archive around
 * it) deterministically, as {@link CpioWriter} writes the initramfs: the entries in the given order,
 * owner 0:0 with no user or group names, one fixed mtime, no device numbers. A path longer than 100
 * bytes is split into ustar's prefix (up to 155) and name; a path or link target that does not fit is
 * an error, as are entry types a service image has no use for (devices).
 */
public final class UstarWriter {
    static final int BLOCK = 512;

    private UstarWriter() {
    }

    /** Writes {@code entries} (directories with a trailing '/'), then the end of the archive. */
    public static void write(List<CpioWriter.Entry> entries, long mtime, OutputStream out) throws IOException {
        for (CpioWriter.Entry e : entries) {
            int type = e.mode() & 0170000;
            switch (type) {
                case CpioWriter.S_IFDIR -> header(out, e.path() + "/", '5', e.mode() & 07777, 0, "", mtime);
                case CpioWriter.S_IFLNK -> header(out, e.path(), '2', 0777, 0, new String(e.data(), StandardCharsets.UTF_8), mtime);
                case CpioWriter.S_IFREG -> {
                    header(out, e.path(), '0', e.mode() & 07777, e.data().length, "", mtime);
                    out.write(e.data());
                    out.write(new byte[(BLOCK - e.data().length % BLOCK) % BLOCK]);
                }
                default -> throw new IOException(e.path() + ": a service image holds files, directories and symlinks only, not mode "
                        + Integer.toOctalString(e.mode()));
            }
        }
        out.write(new byte[2 * BLOCK]);
    }

    private static void header(OutputStream out, String path, char type, int perm, long size, String link, long mtime) throws IOException {
        byte[] h = new byte[BLOCK];
        byte[] name = path.getBytes(StandardCharsets.UTF_8);
        if (name.length <= 100) {
            put(h, 0, 100, name);
        } else {
            int slash = path.lastIndexOf('/', Math.min(path.length() - 2, 155));
            byte[] prefix = slash > 0 ? path.substring(0, slash).getBytes(StandardCharsets.UTF_8) : new byte[0];
            byte[] rest = slash > 0 ? path.substring(slash + 1).getBytes(StandardCharsets.UTF_8) : name;
            if (slash <= 0 || prefix.length > 155 || rest.length > 100) {
                throw new IOException("path " + path + " does not fit a ustar header (prefix 155 + name 100 bytes)");
            }
            put(h, 0, 100, rest);
            put(h, 345, 155, prefix);
        }
        byte[] target = link.getBytes(StandardCharsets.UTF_8);
        if (target.length > 100) {
            throw new IOException(path + ": link target " + link + " is longer than ustar's 100 bytes");
        }
        put(h, 100, 8, octal(perm, 7));
        put(h, 108, 8, octal(0, 7));
        put(h, 116, 8, octal(0, 7));
        put(h, 124, 12, octal(size, 11));
        put(h, 136, 12, octal(mtime, 11));
        put(h, 148, 8, "        ".getBytes(StandardCharsets.US_ASCII));
        h[156] = (byte) type;
        put(h, 157, 100, target);
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 329, 8, octal(0, 7));
        put(h, 337, 8, octal(0, 7));
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, (String.format("%06o", sum) + "\0 ").getBytes(StandardCharsets.US_ASCII));
        out.write(h);
    }

    private static byte[] octal(long v, int digits) {
        String s = Long.toOctalString(v);
        if (s.length() > digits) {
            throw new IllegalArgumentException(v + " does not fit " + digits + " octal digits");
        }
        return ("0".repeat(digits - s.length()) + s).getBytes(StandardCharsets.US_ASCII);
    }

    private static void put(byte[] h, int off, int len, byte[] b) {
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }
}
