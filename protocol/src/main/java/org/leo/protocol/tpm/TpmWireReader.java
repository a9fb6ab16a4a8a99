package org.leo.protocol.tpm;

/**
 * A bounds-checked big-endian reader over untrusted TPM bytes (TPM 2.0 Part 2 marshalling). Every
 * read checks the remaining length first and fails with a {@link TpmFormatException} that names the
 * structure and the field.
 */
final class TpmWireReader {
    private final String structure;
    private final byte[] bytes;
    private int pos;

    TpmWireReader(String structure, byte[] bytes) {
        this.structure = structure;
        this.bytes = bytes;
    }

    int u8(String field) throws TpmFormatException {
        need(field, 1);
        return bytes[pos++] & 0xFF;
    }

    int u16(String field) throws TpmFormatException {
        need(field, 2);
        int v = ((bytes[pos] & 0xFF) << 8) | (bytes[pos + 1] & 0xFF);
        pos += 2;
        return v;
    }

    long u32(String field) throws TpmFormatException {
        need(field, 4);
        long v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (bytes[pos + i] & 0xFF);
        }
        pos += 4;
        return v;
    }

    /** A UINT64 as a Java long (the bit pattern; values above 2^63 read negative). */
    long u64(String field) throws TpmFormatException {
        need(field, 8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (bytes[pos + i] & 0xFF);
        }
        pos += 8;
        return v;
    }

    byte[] bytes(String field, int n) throws TpmFormatException {
        need(field, n);
        byte[] out = new byte[n];
        System.arraycopy(bytes, pos, out, 0, n);
        pos += n;
        return out;
    }

    /** A TPM2B: UINT16 size, then that many bytes; a size above {@code max} is refused before reading. */
    byte[] sized(String field, int max) throws TpmFormatException {
        int size = u16(field + ".size");
        if (size > max) {
            throw new TpmFormatException(structure + " " + field + " has size " + size + ", more than the " + max + " it can hold");
        }
        return bytes(field, size);
    }

    /** Fails unless every byte was read. */
    void end(String lastField) throws TpmFormatException {
        int left = bytes.length - pos;
        if (left != 0) {
            throw new TpmFormatException(structure + " has " + left + " trailing bytes after " + lastField);
        }
    }

    private void need(String field, int n) throws TpmFormatException {
        int left = bytes.length - pos;
        if (left < n) {
            throw new TpmFormatException(structure + " truncated in " + field + ": expected " + n + " bytes, got " + left);
        }
    }
}
