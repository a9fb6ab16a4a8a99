package org.leo.agent.task;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes ustar archives deterministically (every time, owner 0:0, no user or group names), as tests
 * need them to know an image's digests before it is loaded. {@link #entry} writes any header, also
 * malformed ones.
 */
final class TarWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarWriter dir(String name) {
        return entry(name.endsWith("/") ? name : name + "/", '5', 0755, new byte[0], "");
    }

    TarWriter file(String name, int mode, byte[] data) {
        return entry(name, '0', mode, data, "");
    }

    TarWriter symlink(String name, String target) {
        return entry(name, '2', 0777, new byte[0], target);
    }

    TarWriter entry(String name, char type, int mode, byte[] data, String link) {
        byte[] h = new byte[TarReader.BLOCK];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        if (n.length > 100) {
            int slash = name.lastIndexOf('/', 155);
            put(h, 345, 155, name.substring(0, slash));
            put(h, 0, 100, name.substring(slash + 1));
        } else {
            put(h, 0, 100, name);
        }
        put(h, 100, 8, String.format("%07o", mode));
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", (long) data.length));
        put(h, 136, 12, "00000000000");
        put(h, 148, 8, "        ");
        h[156] = (byte) type;
        put(h, 157, 100, link);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 329, 8, "0000000");
        put(h, 337, 8, "0000000");
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum) + "\0 ");
        out.writeBytes(h);
        out.writeBytes(data);
        int pad = (TarReader.BLOCK - data.length % TarReader.BLOCK) % TarReader.BLOCK;
        out.writeBytes(new byte[pad]);
        return this;
    }

    /** Appends raw bytes (a truncated or corrupt archive). */
    TarWriter raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** The archive with its end (two zero blocks). */
    byte[] finish() {
        out.writeBytes(new byte[2 * TarReader.BLOCK]);
        return out.toByteArray();
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, Math.min(len, b.length));
    }
}
