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
    private final int alignment;
    private final ByteBuffer buffer;
    private final MessageDigest leaf = Digests.sha256();
    private final MessageDigest keyed = Digests.sha256();

    /**
     * @param alignment 1 for buffered reads; for a channel opened with {@code O_DIRECT}, the block
     *                  size that positions, lengths and the buffer's address must be multiples of
     *                  (a power of two no larger than the chunk size, so every chunk starts aligned)
     */
    ChunkReader(FileChannel channel, String target, long size, int chunkSize, int alignment) {
        if (alignment < 1 || Integer.bitCount(alignment) != 1 || alignment > chunkSize) {
            throw new IllegalArgumentException("alignment " + alignment + " for chunks of " + chunkSize + " bytes");
        }
        this.channel = channel;
        this.target = target;
        this.size = size;
        this.chunkSize = chunkSize;
        this.alignment = alignment;
        int capacity = Math.min(chunkSize, MAX_BUFFER);
        this.buffer = alignment == 1 ? ByteBuffer.allocateDirect(capacity)
                : ByteBuffer.allocateDirect(capacity + alignment).alignedSlice(alignment).limit(capacity).slice();
    }

    ChunkReader(FileChannel channel, String target, long size, int chunkSize) {
        this(channel, target, size, chunkSize, 1);
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
            int want = Math.min(buffer.capacity(), length - done);
            // a direct read asks for whole blocks; only the tail of a device can end inside one,
            // and the kernel then returns the bytes up to the end
            buffer.clear().limit(Math.min(buffer.capacity(), (want + alignment - 1) & -alignment));
            int n = channel.read(buffer, start + done);
            if (n <= 0) {
                throw new IOException(target + " ended at byte " + (start + done) + ", expected " + size + " bytes");
            }
            if (n < want && alignment > 1 && n % alignment != 0) {
                throw new IOException(target + ": a direct read at byte " + (start + done) + " returned " + n
                        + " bytes, not a multiple of the " + alignment + "-byte block");
            }
            buffer.flip().limit(Math.min(n, want));
            n = buffer.limit();
            if (also != null) {
                also.update(buffer.duplicate());
            }
            leaf.update(buffer);
            done += n;
        }
        return length;
    }
}
