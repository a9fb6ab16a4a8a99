package org.leo.agent.collect;

import com.google.protobuf.ByteString;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.leo.protocol.attest.v1.ChunkProof;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotResult;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fingerprints a disk target (a block device or an image file): the RFC 6962 Merkle tree of the
 * SHA-256 leaf hashes of its {@link ChunkedFile chunks}, its root, and nonce-keyed spot checks.
 *
 * <p>Block devices are read with {@code O_DIRECT}, past the HPC's page cache. A write that does
 * not go through this kernel (a hypervisor writing the disk image, another initiator on shared
 * storage, a DMA-capable device) leaves the cached pages of the device stale for as long as
 * anything holds the device open; a buffered read would then hash the old bytes and miss the
 * change. Direct reads also leave the task's page cache alone while a whole disk is hashed. The
 * alignment is the device node's file store block size ({@code f_frsize}, what the JDK checks).
 * Where the kernel refuses {@code O_DIRECT} the device is read buffered, and the start of that is
 * logged once per device. Regular files are read buffered: every write to them goes through the
 * page cache they are read from.
 *
 * <p>Hashing: {@code threads} workers each take a contiguous, disjoint range of chunks, read them
 * with positional reads into their own reusable direct buffer and hash them with
 * {@code MessageDigest} SHA-256 (HotSpot's intrinsic uses the SHA extensions where the CPU has
 * them). The size of a block device comes from {@code sys/class/block/<name>/size} (512-byte
 * sectors) under {@link HostPaths#sys()}; of a file, from {@code FileChannel.size()}.
 *
 * <p>Spot check: for each requested index the chunk is <em>read again</em> and hashed twice in one
 * pass, SHA-256(nonce || chunk) and the leaf hash, and sent with the chunk's audit path. The nonce
 * is fresh per challenge, so the answer needs the bytes themselves at challenge time.
 *
 * <p>Tree cache: the tree of a target is kept between challenges, keyed by (real path, chunk
 * size, st_dev, st_ino, size, mtime, ctime). Only spot checks and roots of regular files use it,
 * and only when the file's ctime was at least {@link #CACHE_SETTLE} older than the start of the
 * hashing (a write in the same clock tick would keep the ctime). {@link #root} of a block device
 * always re-reads the device: writes to a device do not touch its node's timestamps. A spot
 * check is sound with any cached tree: the leaf hash it sends comes from the fresh read, so a
 * changed chunk cannot verify against the reference root.
 *
 * <p>Thread-safe; calls for the same target may run concurrently (they read, never write).
 * Failures are exceptions with a sentence ({@link IOException} for I/O,
 * {@link IllegalArgumentException} for a bad request); the caller reports them as a
 * {@code CheckError} ({@link CheckResults#error}).
 */
public final class DiskFingerprinter {
    /** Most chunk indices answered in one spot check (each costs a chunk read and ~700 bytes). */
    public static final int MAX_SPOT_INDICES = 128;
    /** Most hashing threads. */
    public static final int MAX_THREADS = 64;
    /** Longest nonce accepted (the protocol sends 32 bytes). */
    public static final int MAX_NONCE_LENGTH = 64;
    /** Progress is reported at least this often. */
    public static final long PROGRESS_STEP = 256L << 20;
    /** How long a file must have been unchanged (by ctime) before its tree is cached. */
    static final long CACHE_SETTLE = 2_000;
    /** Trees kept; a policy names a handful of targets. */
    static final int MAX_CACHED_TREES = 8;
    private static final int S_IFMT = 0170000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFREG = 0100000;
    private static final int SECTOR = 512;
    private static final Logger LOG = LoggerFactory.getLogger(DiskFingerprinter.class);
    /** Direct-read alignment by device (a file store lookup reads the mount table; devices stay put). */
    private static final Map<String, Integer> ALIGNMENT = new ConcurrentHashMap<>();
    /** Devices already logged as read through the page cache. */
    private static final Set<String> BUFFERED_WARNED = ConcurrentHashMap.newKeySet();

    private final HostPaths host;
    private final int threads;
    private final DiskProgress progress;
    private final Map<TreeKey, MerkleTree> cache = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<TreeKey, MerkleTree> eldest) {
            return size() > MAX_CACHED_TREES;
        }
    };

    /** What identifies the contents of a target well enough to reuse its tree. */
    private record TreeKey(String realPath, int chunkSize, Object dev, Object ino, long size, FileTime mtime,
            FileTime ctime) {
    }

    /** A target opened for hashing: its channel, size, kind and cache key. */
    private record Target(String name, FileChannel channel, long size, boolean blockDevice, int alignment, TreeKey key)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    public DiskFingerprinter(HostPaths host, int threads, DiskProgress progress) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("hashing threads must be 1 to " + MAX_THREADS + ", got " + threads);
        }
        this.host = host;
        this.threads = threads;
        this.progress = progress;
    }

    /** One thread per available processor, no progress reports. */
    public DiskFingerprinter(HostPaths host) {
        this(host, Math.min(MAX_THREADS, Runtime.getRuntime().availableProcessors()), DiskProgress.NONE);
    }

    /**
     * The Merkle root of {@code path} cut into {@code chunkSize} chunks.
     *
     * @param target the policy's name for the target, echoed in the result and in messages
     */
    public DiskRootResult root(String target, Path path, int chunkSize) throws IOException {
        ChunkedFile.checkChunkSize(chunkSize);
        try (Target t = open(target, path, chunkSize)) {
            MerkleTree tree = t.blockDevice() ? null : cached(t.key());
            if (tree == null) {
                tree = build(t, chunkSize);
            }
            return DiskRootResult.newBuilder().setTarget(target).setSizeBytes(t.size()).setChunkSize(chunkSize)
                    .setRoot(ByteString.copyFrom(tree.root())).build();
        }
    }

    /**
     * Spot checks of the chunks at {@code indices}: for each, SHA-256(nonce || chunk), the leaf
     * hash and the audit path, from a fresh read of the chunk.
     *
     * @throws IllegalArgumentException if there are more than {@link #MAX_SPOT_INDICES} indices,
     *                                  one is outside the target, or the nonce is empty or too long
     */
    public DiskSpotResult spot(String target, Path path, int chunkSize, byte[] nonce, long[] indices)
            throws IOException {
        ChunkedFile.checkChunkSize(chunkSize);
        if (nonce.length == 0 || nonce.length > MAX_NONCE_LENGTH) {
            throw new IllegalArgumentException("the spot check nonce must be 1 to " + MAX_NONCE_LENGTH
                    + " bytes, got " + nonce.length);
        }
        if (indices.length > MAX_SPOT_INDICES) {
            throw new IllegalArgumentException("a spot check of " + target + " asks for " + indices.length
                    + " chunks; at most " + MAX_SPOT_INDICES + " are answered");
        }
        try (Target t = open(target, path, chunkSize)) {
            int n = ChunkedFile.chunkCount(t.size(), chunkSize);
            for (long i : indices) {
                if (i < 0 || i >= n) {
                    throw new IllegalArgumentException("chunk index " + Long.toUnsignedString(i) + " is out of range: "
                            + target + " has " + n + " chunks of " + chunkSize + " bytes"
                            + (n == 0 ? "" : " (indices 0 to " + (n - 1) + ")"));
                }
            }
            MerkleTree tree = cached(t.key());
            if (tree == null) {
                tree = build(t, chunkSize);
            }
            ChunkReader reader = new ChunkReader(t.channel(), target, t.size(), chunkSize, t.alignment());
            DiskSpotResult.Builder out = DiskSpotResult.newBuilder().setTarget(target);
            boolean stale = false;
            for (long i : indices) {
                byte[][] lk = reader.leafAndKeyed(i, nonce);
                stale |= !java.util.Arrays.equals(lk[0], tree.leafHash(i));
                ChunkProof.Builder proof = ChunkProof.newBuilder().setIndex(i)
                        .setKeyedDigest(ByteString.copyFrom(lk[1])).setLeafHash(ByteString.copyFrom(lk[0]));
                for (byte[] h : tree.auditPath(i)) {
                    proof.addAuditPath(ByteString.copyFrom(h));
                }
                out.addChunks(proof);
            }
            if (stale) {
                forget(t.key()); // the chunk changed since the tree was built: the next root re-reads
            }
            return out.build();
        }
    }

    /** The tree of {@code path} (always hashed afresh; refreshes the cache). For tools and benchmarks. */
    public MerkleTree tree(String target, Path path, int chunkSize) throws IOException {
        ChunkedFile.checkChunkSize(chunkSize);
        try (Target t = open(target, path, chunkSize)) {
            return build(t, chunkSize);
        }
    }

    private Target open(String target, Path path, int chunkSize) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,dev,ino,lastModifiedTime,ctime");
        int mode = (Integer) a.get("mode");
        boolean block = (mode & S_IFMT) == S_IFBLK;
        if (!block && (mode & S_IFMT) != S_IFREG) {
            throw new IOException(target + " (" + path + ") is neither a block device nor a regular file");
        }
        Path real = path.toRealPath();
        int alignment = block ? ALIGNMENT.computeIfAbsent(real.toString(), d -> directAlignment(real)) : 1;
        FileChannel ch = null;
        if (alignment > 1) {
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ, ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                if (BUFFERED_WARNED.add(real.toString())) {
                    LOG.warn("{} ({}): O_DIRECT refused ({}); reading it through the page cache, which can hide writes "
                            + "made outside this kernel while the device is held open", target, real, e.toString());
                }
            }
        }
        if (ch == null) {
            alignment = 1;
            ch = FileChannel.open(path, StandardOpenOption.READ);
        }
        try {
            long size = block ? blockDeviceSize(host, real.getFileName().toString(), ch) : ch.size();
            TreeKey key = new TreeKey(real.toString(), chunkSize, a.get("dev"), a.get("ino"), size,
                    (FileTime) a.get("lastModifiedTime"), (FileTime) a.get("ctime"));
            return new Target(target, ch, size, block, alignment, key);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * The alignment of direct reads of {@code device}: its file store's block size, which is what
     * the JDK demands of position, length and buffer address; 1 (read buffered) if that is unknown
     * or not a power of two up to {@link ChunkedFile#MIN_CHUNK_SIZE} (chunks must start aligned).
     */
    static int directAlignment(Path device) {
        long b;
        try {
            b = Files.getFileStore(device).getBlockSize();
        } catch (IOException | UnsupportedOperationException e) {
            return 1;
        }
        return b >= 512 && b <= ChunkedFile.MIN_CHUNK_SIZE && Long.bitCount(b) == 1 ? (int) b : 1;
    }

    /**
     * Bytes of block device {@code name}: {@code sys/class/block/<name>/size} or
     * {@code sys/block/<name>/size} (512-byte sectors whatever the logical block size), else
     * the channel's size if it knows one.
     */
    static long blockDeviceSize(HostPaths host, String name, FileChannel channel) throws IOException {
        for (Path p : List.of(host.sys().resolve("class/block").resolve(name).resolve("size"),
                host.sys().resolve("block").resolve(name).resolve("size"))) {
            var v = BoundedFiles.readValue(p, 32);
            if (v.isPresent() && Text.isDigits(v.get(), 16)) {
                long sectors = Long.parseLong(v.get());
                if (sectors > Long.MAX_VALUE / SECTOR) {
                    throw new IOException("block device " + name + " claims " + sectors + " sectors in " + p);
                }
                return sectors * SECTOR;
            }
        }
        long s = channel.size();
        if (s > 0) {
            return s;
        }
        throw new IOException("the size of block device " + name + " is unknown: no sectors in "
                + host.sys().resolve("class/block").resolve(name).resolve("size"));
    }

    private MerkleTree build(Target t, int chunkSize) throws IOException {
        long started = System.currentTimeMillis();
        int n = ChunkedFile.chunkCount(t.size(), chunkSize);
        byte[] leaves = new byte[n * MerkleTree.HASH_LENGTH];
        int workers = Math.max(1, Math.min(threads, n));
        AtomicLong done = new AtomicLong();
        if (workers == 1) {
            hashRange(t, chunkSize, 0, n, leaves, done);
        } else {
            AtomicInteger id = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(workers, r -> {
                Thread th = new Thread(r, "leo-disk-hash-" + id.incrementAndGet());
                th.setDaemon(true);
                return th;
            });
            try {
                List<Future<?>> parts = new ArrayList<>();
                for (int w = 0; w < workers; w++) {
                    int from = (int) ((long) n * w / workers);
                    int to = (int) ((long) n * (w + 1) / workers);
                    parts.add(pool.submit(() -> {
                        hashRange(t, chunkSize, from, to, leaves, done);
                        return null;
                    }));
                }
                for (Future<?> f : parts) {
                    f.get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("hashing " + t.name() + " was interrupted");
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new IOException("hashing " + t.name() + " failed: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        progress.progress(t.name(), t.size(), t.size());
        MerkleTree tree = MerkleTree.ofConcatenatedLeafHashes(leaves);
        if (t.key().ctime().toMillis() < started - CACHE_SETTLE) {
            synchronized (cache) {
                cache.put(t.key(), tree);
            }
        }
        return tree;
    }

    private void hashRange(Target t, int chunkSize, int from, int to, byte[] leaves, AtomicLong done)
            throws IOException {
        ChunkReader reader = new ChunkReader(t.channel(), t.name(), t.size(), chunkSize, t.alignment());
        for (int i = from; i < to; i++) {
            if (Thread.interrupted()) {
                throw new InterruptedIOException("hashing " + t.name() + " was interrupted");
            }
            int len = reader.leafHash(i, leaves, i * MerkleTree.HASH_LENGTH);
            long now = done.addAndGet(len);
            if (now / PROGRESS_STEP != (now - len) / PROGRESS_STEP && now < t.size()) {
                progress.progress(t.name(), now, t.size());
            }
        }
    }

    private MerkleTree cached(TreeKey key) {
        synchronized (cache) {
            return cache.get(key);
        }
    }

    private void forget(TreeKey key) {
        synchronized (cache) {
            cache.remove(key);
        }
    }
}
