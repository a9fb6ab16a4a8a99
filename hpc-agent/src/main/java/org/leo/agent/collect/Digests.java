package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 instances (FIPS 180-4). */
final class Digests {
    private Digests() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }

    /**
     * Feeds the first {@code size} bytes of {@code ch} (fewer if it is shorter) to {@code md},
     * through {@code buffer}; returns how many bytes were read.
     */
    static long update(MessageDigest md, FileChannel ch, ByteBuffer buffer, long size) throws IOException {
        long done = 0;
        while (done < size) {
            buffer.clear();
            int n = ch.read(buffer, done);
            if (n <= 0) {
                break;
            }
            buffer.flip();
            md.update(buffer);
            done += n;
        }
        return done;
    }
}
