package org.leo.protocol.tpm.eventlog;

/**
 * A bounds-checked little-endian reader over untrusted event log bytes (the TCG PC Client PFP
 * structures are little-endian, unlike TPM 2.0 marshalling). Every read checks the remaining
 * length first; failures name where the reader is (set by {@link #at}) and the field.
 */
final class EventLogReader {
    private final byte[] bytes;
    private final int end;
    private int pos;
    private String where;

    /** Reads {@code bytes[from, to)}; {@code where} prefixes every message ("event 3 (offset 120): "). */
    EventLogReader(byte[] bytes, int from, int to, String where) {
        this.bytes = bytes;
        this.pos = from;
        this.end = to;
        this.where = where;
    }

    EventLogReader(byte[] bytes, String where) {
        this(bytes, 0, bytes.length, where);
    }

    /** Names the structure being read from now on, for messages. */
    void at(String where) {
        this.where = where;
    }

    String where() {
        return where;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    int u8(String field) throws EventLogFormatException {
        need(field, 1);
        return bytes[pos++] & 0xFF;
    }

    int u16(String field) throws EventLogFormatException {
        need(field, 2);
        int v = (bytes[pos] & 0xFF) | (bytes[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    /** A UINT32 as a non-negative long. */
    long u32(String field) throws EventLogFormatException {
        need(field, 4);
        long v = 0;
        for (int i = 3; i >= 0; i--) {
            v = (v << 8) | (bytes[pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    /** A UINT64 as a Java long (the bit pattern; values above 2^63 read negative). */
    long u64(String field) throws EventLogFormatException {
        need(field, 8);
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (bytes[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    byte[] bytes(String field, int n) throws EventLogFormatException {
        need(field, n);
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** Fails unless every byte was read. */
    void end(String lastField) throws EventLogFormatException {
        if (remaining() != 0) {
            throw error(remaining() + " trailing bytes after " + lastField);
        }
    }

    EventLogFormatException error(String what) {
        return new EventLogFormatException(where + what);
    }

    private void need(String field, int n) throws EventLogFormatException {
        if (remaining() < n) {
            throw error("truncated in " + field + ": expected " + n + " bytes, got " + remaining());
        }
    }
}
