package org.leo.agent.task;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A bounded reader of tar streams as {@code docker save} and Go's archive/tar write them (POSIX.1-2001):
 * ustar headers with the prefix field, pax extended headers ({@code x}: path, linkpath, size; {@code g}
 * skipped) and GNU long names ({@code L}, {@code K}); sizes in octal or base-256. Every header's
 * checksum is checked. Entry names are normalised ({@code ./} and trailing {@code /} dropped) and a
 * name that is absolute or has a {@code ..} component is refused. Nothing here trusts a size: the
 * extended headers are capped, and entry data is streamed, never buffered.
 */
final class TarReader {
    static final int BLOCK = 512;
    /** Largest pax or GNU long-name header kept (real ones are a few hundred bytes). */
    static final int MAX_EXTENDED_HEADER = 64 * 1024;
    /** Largest entry size accepted (1 TiB): a bound on arithmetic, not on what is read. */
    static final long MAX_ENTRY_SIZE = 1L << 40;

    /** One entry: {@code type} is the ustar type flag ('0' file, '5' directory, '2' symbolic link, '1' hard link, ...). */
    record Entry(String name, char type, long size, String linkName) {
        boolean isFile() {
            return type == '0' || type == '\0' || type == '7';
        }

        boolean isSymlink() {
            return type == '2';
        }

        boolean isHardLink() {
            return type == '1';
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    /** Bytes of the current entry's data (and its padding) not yet consumed. */
    private long remaining;
    private long padding;
    private boolean ended;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next entry, or null at the end of the archive; the previous entry's unread data is skipped. */
    Entry next() throws IOException, SandboxException {
        if (ended) {
            return null;
        }
        skipFully(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        String longLink = null;
        String paxPath = null;
        String paxLink = null;
        long paxSize = -1;
        while (true) {
            if (!readHeader()) {
                ended = true;
                return null;
            }
            char type = (char) (header[156] & 0xff);
            long size = parseNumber(header, 124, 12, "size");
            if (size > MAX_ENTRY_SIZE) {
                throw new SandboxException("tar entry of " + size + " bytes, more than the " + MAX_ENTRY_SIZE + " accepted");
            }
            if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
                if (size > MAX_EXTENDED_HEADER) {
                    throw new SandboxException("tar extended header of " + size + " bytes, more than the " + MAX_EXTENDED_HEADER + " accepted");
                }
                byte[] data = readFully((int) size);
                skipFully(pad(size));
                if (type == 'x') {
                    for (String[] kv : paxRecords(data)) {
                        switch (kv[0]) {
                            case "path" -> paxPath = kv[1];
                            case "linkpath" -> paxLink = kv[1];
                            case "size" -> paxSize = parsePaxSize(kv[1]);
                            default -> { }
                        }
                    }
                } else if (type == 'L') {
                    longName = cString(data, 0, data.length);
                } else if (type == 'K') {
                    longLink = cString(data, 0, data.length);
                }
                continue;
            }
            String name = paxPath != null ? paxPath : longName != null ? longName : ustarName();
            String link = paxLink != null ? paxLink : longLink != null ? longLink : cString(header, 157, 100);
            if (paxSize >= 0) {
                size = paxSize;
            }
            // Links, devices, directories and fifos carry no data whatever their size field says (as Go's archive/tar
            // reads them: dockerd must see the same entries as this reader).
            remaining = "123456".indexOf(type) >= 0 ? 0 : size;
            padding = pad(remaining);
            return new Entry(normalize(name), type, remaining, link);
        }
    }

    /** The current entry's data; reading past its end returns -1. Valid until the next {@link #next()}. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) {
                    throw new EOFException("tar stream ends inside an entry (" + remaining + " bytes missing)");
                }
                remaining -= n;
                return n;
            }
        };
    }

    /** Reads the next header block; false at the end (a zero block, or end of stream at a block boundary). */
    private boolean readHeader() throws IOException, SandboxException {
        int n = in.readNBytes(header, 0, BLOCK);
        if (n == 0) {
            return false;
        }
        if (n < BLOCK) {
            throw new SandboxException("tar stream ends inside a header (" + n + " of 512 bytes)");
        }
        boolean zero = true;
        for (byte b : header) {
            if (b != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            return false;
        }
        long stored = parseNumber(header, 148, 8, "checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
        }
        if (sum != stored) {
            throw new SandboxException("tar header checksum is " + stored + ", the header sums to " + sum);
        }
        return true;
    }

    private String ustarName() {
        String name = cString(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a' && header[261] == 'r';
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    static String normalize(String name) throws SandboxException {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        while (n.endsWith("/")) {
            n = n.substring(0, n.length() - 1);
        }
        if (n.startsWith("/")) {
            throw new SandboxException("tar entry name '" + shorten(name) + "' is absolute");
        }
        for (String part : n.split("/", -1)) {
            if (part.equals("..")) {
                throw new SandboxException("tar entry name '" + shorten(name) + "' has a '..' component");
            }
        }
        if (n.indexOf('\0') >= 0) {
            throw new SandboxException("tar entry name has a NUL character");
        }
        return n;
    }

    static String shorten(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    /** A numeric header field: octal text (space or NUL terminated), or base-256 when the first byte has its high bit set. */
    static long parseNumber(byte[] h, int off, int len, String field) throws SandboxException {
        if ((h[off] & 0x80) != 0) {
            if ((h[off] & 0x40) != 0) {
                throw new SandboxException("tar header " + field + " is a negative base-256 number");
            }
            long v = h[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    throw new SandboxException("tar header " + field + " overflows");
                }
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) {
            i++;
        }
        if (i == end) {
            return 0;
        }
        for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
            int d = h[i] - '0';
            if (d < 0 || d > 7) {
                throw new SandboxException("tar header " + field + " has a non-octal byte 0x" + Integer.toHexString(h[i] & 0xff));
            }
            if (v > (Long.MAX_VALUE >> 3)) {
                throw new SandboxException("tar header " + field + " overflows");
            }
            v = (v << 3) | d;
        }
        return v;
    }

    /** The records "LEN key=value\n" of a pax extended header, as [key, value] pairs. */
    static Iterable<String[]> paxRecords(byte[] data) throws SandboxException {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        int i = 0;
        while (i < data.length) {
            int sp = i;
            while (sp < data.length && data[sp] != ' ') {
                sp++;
            }
            if (sp == data.length || sp == i || sp - i > 7) {
                throw new SandboxException("pax header record at byte " + i + " has no length");
            }
            int len = 0;
            for (int k = i; k < sp; k++) {
                int d = data[k] - '0';
                if (d < 0 || d > 9) {
                    throw new SandboxException("pax header record at byte " + i + " has a length that is not decimal");
                }
                len = len * 10 + d;
            }
            if (len <= sp - i + 1 || i + len > data.length || data[i + len - 1] != '\n') {
                throw new SandboxException("pax header record at byte " + i + " has length " + len + ", which does not fit");
            }
            String kv = new String(data, sp + 1, i + len - 1 - (sp + 1), StandardCharsets.UTF_8);
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new SandboxException("pax header record at byte " + i + " has no key=value");
            }
            out.add(new String[] {kv.substring(0, eq), kv.substring(eq + 1)});
            i += len;
        }
        return out;
    }

    private static long parsePaxSize(String v) throws SandboxException {
        if (v.isEmpty() || v.length() > 19 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new SandboxException("pax header size '" + shorten(v) + "' is not a decimal number");
        }
        return Long.parseLong(v);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long pad(long size) {
        long r = size % BLOCK;
        return r == 0 ? 0 : BLOCK - r;
    }

    private byte[] readFully(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("tar stream ends inside an extended header");
        }
        return b;
    }

    private void skipFully(long n) throws IOException {
        long left = n;
        byte[] scratch = null;
        while (left > 0) {
            long s = in.skip(left);
            if (s > 0) {
                left -= s;
                continue;
            }
            if (scratch == null) {
                scratch = new byte[8192];
            }
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (r < 0) {
                throw new EOFException("tar stream ends inside an entry (" + left + " bytes missing)");
            }
            left -= r;
        }
    }
}
