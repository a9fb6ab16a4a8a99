package org.leo.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.protocol.attest.v1.ChunkProof;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotResult;
import org.leo.protocol.merkle.MerkleTree;

class DiskFingerprinterTest {
    private static final int CHUNK = 4096;

    @TempDir
    Path dir;

    private HostPaths host() {
        return HostPaths.under(dir);
    }

    private Path file(String name, int size, long seed) throws IOException {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    /** Leaf hashes computed independently: plain MessageDigest over byte-array slices. */
    private static List<byte[]> leaves(byte[] data, int chunk) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (int at = 0; at < data.length; at += chunk) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((byte) 0);
            md.update(data, at, Math.min(chunk, data.length - at));
            out.add(md.digest());
        }
        return out;
    }

    @Test
    void rootEqualsTheTreeOverIndependentlyComputedLeavesForEdgeSizes() throws Exception {
        DiskFingerprinter f = new DiskFingerprinter(host(), 2, DiskProgress.NONE);
        for (int size : new int[] {0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + CHUNK / 2, 37 * CHUNK}) {
            Path p = file("img-" + size, size, size);
            DiskRootResult r = f.root("img", p, CHUNK);
            byte[] expected = MerkleTree.ofLeafHashes(leaves(Files.readAllBytes(p), CHUNK)).root();
            assertThat(r.getRoot().toByteArray()).as("size %d", size).isEqualTo(expected);
            assertThat(r.getSizeBytes()).isEqualTo(size);
            assertThat(r.getChunkSize()).isEqualTo(CHUNK);
            assertThat(r.getTarget()).isEqualTo("img");
        }
    }

    @Test
    void oneAndTwoAndThreeThreadsGiveTheSameRoot() throws Exception {
        Path p = file("img", 50 * CHUNK + 7, 1);
        ByteString one = new DiskFingerprinter(host(), 1, DiskProgress.NONE).root("img", p, CHUNK).getRoot();
        ByteString two = new DiskFingerprinter(host(), 2, DiskProgress.NONE).root("img", p, CHUNK).getRoot();
        ByteString three = new DiskFingerprinter(host(), 3, DiskProgress.NONE).root("img", p, CHUNK).getRoot();
        assertThat(two).isEqualTo(one);
        assertThat(three).isEqualTo(one);
    }

    @Test
    void changingOneByteChangesExactlyThatLeafAndTheRoot() throws Exception {
        Path p = file("img", 20 * CHUNK, 2);
        DiskFingerprinter f = new DiskFingerprinter(host(), 2, DiskProgress.NONE);
        MerkleTree before = f.tree("img", p, CHUNK);
        try (FileChannel ch = FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.READ)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            ch.read(one, 13 * CHUNK + 100);
            one.flip();
            one.put(0, (byte) (one.get(0) ^ 1));
            ch.write(one, 13 * CHUNK + 100);
        }
        MerkleTree after = f.tree("img", p, CHUNK);
        for (int i = 0; i < 20; i++) {
            if (i == 13) {
                assertThat(after.leafHash(i)).as("leaf 13").isNotEqualTo(before.leafHash(i));
            } else {
                assertThat(after.leafHash(i)).as("leaf %d", i).isEqualTo(before.leafHash(i));
            }
        }
        assertThat(after.root()).isNotEqualTo(before.root());
        assertThat(f.root("img", p, CHUNK).getRoot().toByteArray()).isEqualTo(after.root());
    }

    @Test
    void spotCheckProofsVerifyAndAreKeyedWithTheNonce() throws Exception {
        Path p = file("img", 9 * CHUNK + 10, 3);
        byte[] data = Files.readAllBytes(p);
        DiskFingerprinter f = new DiskFingerprinter(host(), 2, DiskProgress.NONE);
        byte[] root = f.root("img", p, CHUNK).getRoot().toByteArray();
        byte[] nonce = new byte[32];
        new Random(4).nextBytes(nonce);
        long[] indices = {0, 9, 4, 4};
        DiskSpotResult r = f.spot("img", p, CHUNK, nonce, indices);
        assertThat(r.getTarget()).isEqualTo("img");
        assertThat(r.getChunksList()).extracting(ChunkProof::getIndex).containsExactly(0L, 9L, 4L, 4L);
        for (ChunkProof c : r.getChunksList()) {
            int at = (int) c.getIndex() * CHUNK;
            byte[] chunk = Arrays.copyOfRange(data, at, Math.min(data.length, at + CHUNK));
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(nonce);
            assertThat(c.getKeyedDigest().toByteArray()).isEqualTo(md.digest(chunk));
            assertThat(c.getLeafHash().toByteArray()).isEqualTo(MerkleTree.leafHash(chunk));
            List<byte[]> path = c.getAuditPathList().stream().map(ByteString::toByteArray).toList();
            assertThat(MerkleTree.verify(root, 10, c.getIndex(), c.getLeafHash().toByteArray(), path)).isTrue();
        }
        byte[] otherNonce = nonce.clone();
        otherNonce[0] ^= 1;
        assertThat(f.spot("img", p, CHUNK, otherNonce, new long[] {0}).getChunks(0).getKeyedDigest())
                .isNotEqualTo(r.getChunks(0).getKeyedDigest());
    }

    @Test
    void spotCheckRereadsTheChunkSoAChangeFailsItsProof() throws Exception {
        Path p = file("img", 8 * CHUNK, 5);
        DiskFingerprinter f = new DiskFingerprinter(host(), 1, DiskProgress.NONE);
        byte[] reference = f.root("img", p, CHUNK).getRoot().toByteArray();
        byte[] data = Files.readAllBytes(p);
        data[5 * CHUNK] ^= 0x55;
        Files.write(p, data);
        ChunkProof c = f.spot("img", p, CHUNK, new byte[32], new long[] {5}).getChunks(0);
        List<byte[]> path = c.getAuditPathList().stream().map(ByteString::toByteArray).toList();
        assertThat(MerkleTree.verify(reference, 8, 5, c.getLeafHash().toByteArray(), path)).isFalse();
    }

    @Test
    void badSpotRequestsAreRefusedWithASentence() throws Exception {
        Path p = file("img", 10 * CHUNK, 6);
        DiskFingerprinter f = new DiskFingerprinter(host(), 1, DiskProgress.NONE);
        assertThatThrownBy(() -> f.spot("vda", p, CHUNK, new byte[32], new long[] {3, 10}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk index 10 is out of range: vda has 10 chunks of 4096 bytes (indices 0 to 9)");
        assertThatThrownBy(() -> f.spot("vda", p, CHUNK, new byte[32], new long[] {-1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk index 18446744073709551615 is out of range: vda has 10 chunks of 4096 bytes"
                        + " (indices 0 to 9)");
        assertThatThrownBy(() -> f.spot("vda", p, CHUNK, new byte[32], new long[DiskFingerprinter.MAX_SPOT_INDICES + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a spot check of vda asks for 129 chunks; at most 128 are answered");
        assertThatThrownBy(() -> f.spot("vda", p, CHUNK, new byte[0], new long[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the spot check nonce must be 1 to 64 bytes, got 0");
        assertThatThrownBy(() -> f.root("vda", p, 1000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk size 1000 is not a power of two between 4096 and 67108864 bytes");
        Path empty = file("empty", 0, 0);
        assertThatThrownBy(() -> f.spot("e", empty, CHUNK, new byte[32], new long[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chunk index 0 is out of range: e has 0 chunks of 4096 bytes");
    }

    @Test
    void missingTargetsAndDirectoriesAreIoErrors() {
        DiskFingerprinter f = new DiskFingerprinter(host(), 1, DiskProgress.NONE);
        assertThatThrownBy(() -> f.root("vdb", dir.resolve("nope"), CHUNK)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> f.root("vdb", dir, CHUNK)).isInstanceOf(IOException.class)
                .hasMessage("vdb (" + dir + ") is neither a block device nor a regular file");
    }

    @Test
    void progressIsReportedUpToTheTotal() throws Exception {
        Path p = file("img", 3 * CHUNK, 7);
        List<long[]> calls = new CopyOnWriteArrayList<>();
        new DiskFingerprinter(host(), 2, (t, done, total) -> calls.add(new long[] {done, total})).root("img", p, CHUNK);
        assertThat(calls).isNotEmpty();
        assertThat(calls.get(calls.size() - 1)).containsExactly(3L * CHUNK, 3L * CHUNK);
    }

    @Test
    void blockDeviceSizeComesFromSysfsSectors() throws Exception {
        Files.createDirectories(dir.resolve("sys/class/block/vda"));
        Files.writeString(dir.resolve("sys/class/block/vda/size"), "41943040\n");
        Path any = file("any", 1, 8);
        try (FileChannel ch = FileChannel.open(any)) {
            assertThat(DiskFingerprinter.blockDeviceSize(host(), "vda", ch)).isEqualTo(41943040L * 512);
        }
        Files.createDirectories(dir.resolve("sys/block/vdb"));
        Files.writeString(dir.resolve("sys/block/vdb/size"), "8\n");
        try (FileChannel ch = FileChannel.open(any)) {
            assertThat(DiskFingerprinter.blockDeviceSize(host(), "vdb", ch)).isEqualTo(4096);
        }
    }
}
