package org.leo.attest.appraise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;
import org.leo.boot.manifest.Sha256;

/**
 * The Merkle roots of the Pi's reference copies of HPC disks, computed the way the agent computes
 * them (RFC 6962 over {@link ChunkedFile} chunks) and cached per file until its size or mtime
 * changes. A golden baseline's disk root must equal the reference root where there is one: an HPC
 * cannot enroll a tampered disk as its "as booted" state.
 */
public final class ReferenceRoots {
    /** A reference root: the file's size and its root at the policy's chunk size. */
    public record Root(long size, byte[] root) { }

    private record Key(String path, int chunkSize, long size, FileTime mtime) { }

    private final Map<Key, Root> cache = new ConcurrentHashMap<>();

    /** The root of {@code target}'s reference copy. */
    public Root of(Policy.DiskTarget target) throws IOException {
        long size = Files.size(target.reference());
        Key key = new Key(target.reference().toString(), target.chunkSize(), size, Files.getLastModifiedTime(target.reference()));
        Root cached = cache.get(key);
        if (cached != null) {
            return cached;
        }
        int chunks = ChunkedFile.chunkCount(size, target.chunkSize());
        byte[] flat = new byte[chunks * MerkleTree.HASH_LENGTH];
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocate(target.chunkSize());
        try (FileChannel ch = FileChannel.open(target.reference(), StandardOpenOption.READ)) {
            for (int i = 0; i < chunks; i++) {
                buf.clear().limit(ChunkedFile.chunkLength(size, target.chunkSize(), i));
                long pos = (long) i * target.chunkSize();
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new IOException(target.reference() + " ended at byte " + (pos + buf.position()) + " while it has " + size);
                    }
                }
                buf.flip();
                md.update((byte) 0);
                md.update(buf);
                byte[] leaf = md.digest();
                System.arraycopy(leaf, 0, flat, i * MerkleTree.HASH_LENGTH, MerkleTree.HASH_LENGTH);
            }
        }
        Root root = new Root(size, MerkleTree.ofConcatenatedLeafHashes(flat).root());
        cache.put(key, root);
        return root;
    }
}
