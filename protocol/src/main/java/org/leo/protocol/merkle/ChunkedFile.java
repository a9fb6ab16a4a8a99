package org.leo.protocol.merkle;

/**
 * How a disk target (a block device or an image file) is cut into Merkle tree leaves: chunk i is
 * the bytes [i * chunkSize, min((i + 1) * chunkSize, size)); the last chunk may be shorter; a
 * target of 0 bytes has no chunks and the empty-tree root. Both the agent and the appraiser use
 * these definitions, so the chunk count of a reference image is known without asking the HPC.
 */
public final class ChunkedFile {
    /**
     * Default chunk: 1 MiB. Large enough that the per-chunk costs (one positional read, one 32-byte
     * leaf, the tree's ~64 bytes per leaf) vanish next to hashing and a device streams at full
     * sequential speed; small enough that a spot check re-reads only 1 MiB per index (about a
     * millisecond of SHA-256 here), so a challenge of dozens of random chunks is answered well
     * inside a deadline while still touching bytes the HPC cannot have precomputed. A 1 GiB image is
     * 1024 leaves (audit paths of 10 hashes); a 256 GiB disk reaches {@link #MAX_CHUNK_COUNT}.
     */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    /** Smallest chunk: one page, and a multiple of every sector size in use (512, 4096). */
    public static final int MIN_CHUNK_SIZE = 4096;
    /** Largest chunk: 64 MiB, so one spot-checked index never costs more than ~50 ms of hashing. */
    public static final int MAX_CHUNK_SIZE = 64 << 20;
    /**
     * Most chunks a target may have: 2^18, which bounds the agent's tree to ~16 MiB of hashes
     * (the agent's RSS goal is 64 MiB). Larger disks choose a larger chunk size
     * ({@link #chunkSizeFor}): 1 TiB at 4 MiB, 16 TiB at the 64 MiB maximum.
     */
    public static final int MAX_CHUNK_COUNT = 1 << 18;

    private ChunkedFile() {
    }

    /**
     * Checks that {@code chunkSize} is a power of two in [{@value #MIN_CHUNK_SIZE},
     * {@value #MAX_CHUNK_SIZE}].
     *
     * @throws IllegalArgumentException with a sentence naming the bad value
     */
    public static int checkChunkSize(long chunkSize) {
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE || Long.bitCount(chunkSize) != 1) {
            throw new IllegalArgumentException("chunk size " + chunkSize + " is not a power of two between "
                    + MIN_CHUNK_SIZE + " and " + MAX_CHUNK_SIZE + " bytes");
        }
        return (int) chunkSize;
    }

    /**
     * The number of chunks of a target of {@code size} bytes: ceil(size / chunkSize).
     *
     * @throws IllegalArgumentException if the size is negative, the chunk size invalid, or the
     *                                  count over {@link #MAX_CHUNK_COUNT}
     */
    public static int chunkCount(long size, int chunkSize) {
        checkChunkSize(chunkSize);
        if (size < 0) {
            throw new IllegalArgumentException("target size " + size + " is negative");
        }
        long n = size / chunkSize + (size % chunkSize == 0 ? 0 : 1);
        if (n > MAX_CHUNK_COUNT) {
            throw new IllegalArgumentException("a target of " + size + " bytes has " + n + " chunks of "
                    + chunkSize + " bytes, over the cap of " + MAX_CHUNK_COUNT + "; use a chunk size of at least "
                    + chunkSizeFor(size) + " bytes");
        }
        return (int) n;
    }

    /** Length of chunk {@code index} (the last one may be short). */
    public static int chunkLength(long size, int chunkSize, long index) {
        long start = index * (long) chunkSize;
        if (index < 0 || start >= size) {
            throw new IllegalArgumentException("chunk " + index + " starts at byte " + start
                    + ", outside a target of " + size + " bytes");
        }
        return (int) Math.min(chunkSize, size - start);
    }

    /**
     * The smallest power-of-two chunk size, at least {@link #DEFAULT_CHUNK_SIZE}, that keeps a
     * target of {@code size} bytes within {@link #MAX_CHUNK_COUNT} chunks; {@link #MAX_CHUNK_SIZE}
     * if none does (such a target is refused by {@link #chunkCount}).
     */
    public static int chunkSizeFor(long size) {
        long c = DEFAULT_CHUNK_SIZE;
        while (c < MAX_CHUNK_SIZE && (size + c - 1) / c > MAX_CHUNK_COUNT) {
            c <<= 1;
        }
        return (int) c;
    }
}
