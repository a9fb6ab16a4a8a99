package org.leo.consensus;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/** Bounded reads of a peer's bytes: a read past the end is a BufferUnderflowException the caller turns into a sentence. */
public final class WireBytes {
    private WireBytes() {
    }

    /** The next {@code n} bytes of {@code b}; checks the length before it allocates. */
    public static byte[] take(ByteBuffer b, int n) {
        if (n < 0 || b.remaining() < n) {
            throw new BufferUnderflowException();
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }
}
