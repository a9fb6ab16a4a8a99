package org.leo.protocol.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A Merkle Tree Hash over SHA-256 exactly as RFC 6962 section 2.1 defines it (the Certificate
 * Transparency log tree, kept unchanged in RFC 9162 section 2.1):
 * <pre>
 *   MTH({})        = SHA-256()
 *   MTH({d(0)})    = SHA-256(0x00 || d(0))                         (leaf hash)
 *   MTH(D[n])      = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))   k = largest power of two &lt; n
 * </pre>
 * The tree is built from leaf hashes (the agent hashes disk chunks itself, see
 * {@link ChunkedFile}). It keeps every complete, aligned subtree hash (about two hashes per leaf),
 * so {@link #root()} is free and an {@link #auditPath(long) audit path} costs O(log^2 n) hashes
 * (only the ragged right edge is recomputed).
 *
 * <p>{@link #verify} is the only method the appraising side needs; it takes untrusted input and
 * answers {@code false}, never an exception, for anything malformed.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class MerkleTree {
    /** SHA-256 output length. */
    public static final int HASH_LENGTH = 32;
    /**
     * Most leaves a tree may have: the flat per-level arrays must stay within one Java array
     * (2^26 hashes of 32 bytes = 2 GiB), and a disk never needs more than
     * {@link ChunkedFile#MAX_CHUNK_COUNT}.
     */
    public static final int MAX_LEAVES = 1 << 24;
    /** Longest audit path {@link #verify} looks at: a tree of 2^63 leaves has paths of 63 hashes. */
    public static final int MAX_AUDIT_PATH = 63;

    private static final byte LEAF_PREFIX = 0x00;
    private static final byte NODE_PREFIX = 0x01;

    private final int leafCount;
    /** levels[j] = the hashes of the complete subtrees of 2^j leaves at 0, 2^j, 2*2^j, ... (flat). */
    private final byte[][] levels;
    private final byte[] root;

    private MerkleTree(byte[] leafHashes) {
        this.leafCount = leafHashes.length / HASH_LENGTH;
        List<byte[]> built = new ArrayList<>();
        built.add(leafHashes);
        MessageDigest md = newDigest();
        byte[] level = leafHashes;
        while (level.length >= 2 * HASH_LENGTH) {
            int pairs = level.length / (2 * HASH_LENGTH);
            byte[] up = new byte[pairs * HASH_LENGTH];
            for (int j = 0; j < pairs; j++) {
                md.update(NODE_PREFIX);
                md.update(level, 2 * j * HASH_LENGTH, 2 * HASH_LENGTH);
                digestInto(md, up, j * HASH_LENGTH);
            }
            built.add(up);
            level = up;
        }
        this.levels = built.toArray(new byte[0][]);
        this.root = leafCount == 0 ? md.digest() : subtreeHash(md, 0, leafCount);
    }

    /**
     * A tree over {@code leafHashes}, each {@value #HASH_LENGTH} bytes (the list is copied).
     *
     * @throws IllegalArgumentException if a hash has the wrong length or there are more than
     *                                  {@link #MAX_LEAVES}
     */
    public static MerkleTree ofLeafHashes(List<byte[]> leafHashes) {
        checkCount(leafHashes.size());
        byte[] flat = new byte[leafHashes.size() * HASH_LENGTH];
        for (int i = 0; i < leafHashes.size(); i++) {
            byte[] h = leafHashes.get(i);
            if (h.length != HASH_LENGTH) {
                throw new IllegalArgumentException("leaf hash " + i + ": expected " + HASH_LENGTH
                        + " bytes, got " + h.length);
            }
            System.arraycopy(h, 0, flat, i * HASH_LENGTH, HASH_LENGTH);
        }
        return new MerkleTree(flat);
    }

    /**
     * A tree over the leaf hashes concatenated in {@code flat} (copied): leaf i is
     * {@code flat[32 i .. 32 i + 31]}.
     *
     * @throws IllegalArgumentException if the length is not a multiple of {@value #HASH_LENGTH}
     *                                  or there are more than {@link #MAX_LEAVES} leaves
     */
    public static MerkleTree ofConcatenatedLeafHashes(byte[] flat) {
        if (flat.length % HASH_LENGTH != 0) {
            throw new IllegalArgumentException("concatenated leaf hashes: expected a multiple of "
                    + HASH_LENGTH + " bytes, got " + flat.length);
        }
        checkCount(flat.length / HASH_LENGTH);
        return new MerkleTree(flat.clone());
    }

    /** RFC 6962 leaf hash: SHA-256(0x00 || data). */
    public static byte[] leafHash(byte[] data) {
        MessageDigest md = newDigest();
        md.update(LEAF_PREFIX);
        return md.digest(data);
    }

    /** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest md = newDigest();
        md.update(NODE_PREFIX);
        md.update(left);
        return md.digest(right);
    }

    /** The root of the empty tree, SHA-256 of the empty string. */
    public static byte[] emptyRoot() {
        return newDigest().digest();
    }

    /** The Merkle Tree Hash of all leaves (a copy). */
    public byte[] root() {
        return root.clone();
    }

    public long leafCount() {
        return leafCount;
    }

    /** The leaf hash at {@code index} (a copy). */
    public byte[] leafHash(long index) {
        checkIndex(index);
        return Arrays.copyOfRange(levels[0], (int) index * HASH_LENGTH, ((int) index + 1) * HASH_LENGTH);
    }

    /**
     * RFC 6962 section 2.1.1 PATH(index, D[n]): the sibling hashes from the leaf up to the root,
     * nearest the leaf first. Empty for a one-leaf tree.
     *
     * @throws IllegalArgumentException if {@code index} is not in [0, leafCount)
     */
    public List<byte[]> auditPath(long index) {
        checkIndex(index);
        MessageDigest md = newDigest();
        List<byte[]> path = new ArrayList<>();
        long m = index;
        long lo = 0;
        long size = leafCount;
        // Walk from the root down to the leaf, collecting the sibling at each step.
        while (size > 1) {
            long k = Long.highestOneBit(size - 1);
            if (m < k) {
                path.add(subtreeHash(md, lo + k, size - k));
                size = k;
            } else {
                path.add(subtreeHash(md, lo, k));
                m -= k;
                lo += k;
                size -= k;
            }
        }
        Collections.reverse(path);
        return path;
    }

    /**
     * RFC 9162 section 2.1.3.2: whether {@code auditPath} proves that {@code leafHash} is leaf
     * {@code index} of a tree of {@code treeSize} leaves with this {@code root}. Every argument
     * is untrusted: wrong lengths, an index outside the tree, a path that is too long or too
     * short all give {@code false}.
     */
    public static boolean verify(byte[] root, long treeSize, long index, byte[] leafHash, List<byte[]> auditPath) {
        if (root == null || leafHash == null || auditPath == null
                || root.length != HASH_LENGTH || leafHash.length != HASH_LENGTH
                || treeSize <= 0 || index < 0 || index >= treeSize || auditPath.size() > MAX_AUDIT_PATH) {
            return false;
        }
        MessageDigest md = newDigest();
        long fn = index;
        long sn = treeSize - 1;
        byte[] r = leafHash;
        for (byte[] p : auditPath) {
            if (p == null || p.length != HASH_LENGTH || sn == 0) {
                return false;
            }
            md.update(NODE_PREFIX);
            if ((fn & 1) == 1 || fn == sn) {
                md.update(p);
                md.update(r);
                if ((fn & 1) == 0) {
                    while ((fn & 1) == 0 && fn != 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                md.update(r);
                md.update(p);
            }
            r = md.digest();
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && MessageDigest.isEqual(r, root);
    }

    /** MTH of the leaves [lo, lo + size), size >= 1; lo is always aligned to the subtree's span. */
    private byte[] subtreeHash(MessageDigest md, long lo, long size) {
        if (Long.bitCount(size) == 1) {
            int j = Long.numberOfTrailingZeros(size);
            int at = (int) (lo >>> j) * HASH_LENGTH;
            return Arrays.copyOfRange(levels[j], at, at + HASH_LENGTH);
        }
        long k = Long.highestOneBit(size - 1);
        byte[] left = subtreeHash(md, lo, k);
        byte[] right = subtreeHash(md, lo + k, size - k);
        md.update(NODE_PREFIX);
        md.update(left);
        return md.digest(right);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= leafCount) {
            throw new IllegalArgumentException("leaf index " + index + " is outside the tree of "
                    + leafCount + " leaves");
        }
    }

    private static void checkCount(int n) {
        if (n > MAX_LEAVES) {
            throw new IllegalArgumentException("a Merkle tree has at most " + MAX_LEAVES + " leaves, got " + n);
        }
    }

    private static void digestInto(MessageDigest md, byte[] out, int offset) {
        try {
            md.digest(out, offset, HASH_LENGTH);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 digest into a 32-byte slot failed", e);
        }
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is mandatory in every JRE", e);
        }
    }
}
