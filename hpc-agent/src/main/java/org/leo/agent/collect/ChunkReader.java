package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.DigestException;
import java.security.MessageDigest;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;

/**
 * One hashing thread's state: a reusable direct buffer and its digests. Reads chunks with
 * positional reads ({@code pread}, safe to share one channel between threads) and hashes them as
 * RFC 6962 leaves, optionally also keyed with a nonce in the same pass over the bytes.
 */
final class ChunkReader {
    /**
     * Largest read: 128 KiB. A chunk is read and hashed in pieces of this size, so the buffer the
     * kernel copies into stays in the core's L2 cache while SHA-256 reads it back (measured here:
     * ~5% faster than 1 MiB reads), and each hashing thread holds only 128 KiB of direct memory.
     */
    static final int MAX_BUFFER = 128 << 10;

    private final FileChannel channel;
    private final String target;
    private final long size;
    private final int chunkSize;
    private final ByteBuffer buffer;
    private final MessageDigest leaf = Digests.sha256();
    private final MessageDigest keyed = Digests.sha256();

    ChunkReader(FileChannel channel, String target, long size, int chunkSize) {
        this.channel = channel;
        this.target = target;
        this.size = size;
        this.chunkSize = chunkSize;
        this.buffer = ByteBuffer.allocateDirect(Math.min(chunkSize, MAX_BUFFER));
    }

    /** Writes the leaf hash of chunk {@code index} into {@code out[offset..offset+31]}; bytes read. */
    int leafHash(long index, byte[] out, int offset) throws IOException {
        leaf.reset();
        leaf.update((byte) 0x00);
        int n = read(index, null);
        try {
            leaf.digest(out, offset, MerkleTree.HASH_LENGTH);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 into a 32-byte slot failed", e);
        }
        return n;
    }

    /** {leaf hash, SHA-256(nonce || chunk)} of chunk {@code index}, from one fresh read. */
    byte[][] leafAndKeyed(long index, byte[] nonce) throws IOException {
        leaf.reset();
        keyed.reset();
        leaf.update((byte) 0x00);
        keyed.update(nonce);
        read(index, keyed);
        return new byte[][] {leaf.digest(), keyed.digest()};
    }

    private int read(long index, MessageDigest also) throws IOException {
        int length = ChunkedFile.chunkLength(size, chunkSize, index);
        long start = index * chunkSize;
        int done = 0;
        while (done < length) {
            buffer.clear().limit(Math.min(buffer.capacity(), length - done));
            int n = channel.read(buffer, start + done);
            if (n < 0) {
                throw new IOException(target + " ended at byte " + (start + done) + ", expected " + size + " bytes");
            }
            buffer.flip();
            if (also != null) {
                also.update(buffer.duplicate());
            }
            leaf.update(buffer);
            done += n;
        }
        return length;
    }
}
