package org.leo.protocol.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tree against the Certificate Transparency reference values and against a literal
 * transcription of the RFC 6962 recursion, for every tree size 1..70 and every leaf.
 *
 * <p>Reference values: the eight-leaf reference tree of the CT test suites (leaves "", 00, 10,
 * 2021, 3031, 40414243, 5051525354555657, 606162636465666768696a6b6c6d6e6f), its roots for sizes
 * 1..8 and its inclusion proofs, as published in google/certificate-transparency
 * {@code cpp/merkletree/merkle_tree_test.cc} and carried over unchanged to
 * transparency-dev/merkle {@code proof/verify_test.go} (commit 02194e9a, variables
 * {@code leaves}, {@code roots}, {@code inclusionProofs}; its leaf numbers are 1-based).
 */
class MerkleTreeTest {
    private static final HexFormat HEX = HexFormat.of();

    static final String[] CT_LEAVES = {"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f"};
    static final String[] CT_ROOTS = {
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

    private static MerkleTree ctTree(int size) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            leaves.add(MerkleTree.leafHash(HEX.parseHex(CT_LEAVES[i])));
        }
        return MerkleTree.ofLeafHashes(leaves);
    }

    @Test
    void emptyTreeRootIsSha256OfTheEmptyString() {
        MerkleTree empty = MerkleTree.ofLeafHashes(List.of());
        assertThat(HEX.formatHex(empty.root()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(empty.root()).isEqualTo(MerkleTree.emptyRoot());
        assertThat(empty.leafCount()).isZero();
    }

    @Test
    void rootsMatchTheCertificateTransparencyReferenceTree() {
        for (int size = 1; size <= 8; size++) {
            assertThat(HEX.formatHex(ctTree(size).root())).as("size %d", size).isEqualTo(CT_ROOTS[size - 1]);
        }
    }

    @Test
    void auditPathsMatchTheReferenceInclusionProofs() {
        assertPath(8, 0, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
        assertPath(8, 5, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7");
        assertPath(3, 2, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
        assertPath(5, 1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
        assertPath(1, 0);
    }

    private static void assertPath(int size, int index, String... expected) {
        MerkleTree t = ctTree(size);
        List<byte[]> path = t.auditPath(index);
        assertThat(path.stream().map(HEX::formatHex).toList()).containsExactly(expected);
        assertThat(MerkleTree.verify(t.root(), size, index, t.leafHash(index), path)).isTrue();
    }

    @Test
    void everySizeUpTo70AndEveryIndexMatchesTheRfcRecursionAndVerifies() {
        Random random = new Random(6962);
        for (int size = 1; size <= 70; size++) {
            List<byte[]> data = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                byte[] d = new byte[random.nextInt(40)];
                random.nextBytes(d);
                data.add(d);
            }
            List<byte[]> leaves = data.stream().map(MerkleTree::leafHash).toList();
            MerkleTree t = MerkleTree.ofLeafHashes(leaves);
            assertThat(t.root()).as("root of %d", size).isEqualTo(rfcMth(data));
            for (int m = 0; m < size; m++) {
                List<byte[]> path = t.auditPath(m);
                assertThat(path).as("PATH(%d, D[%d])", m, size)
                        .usingElementComparator(Arrays::compare).containsExactlyElementsOf(rfcPath(m, data));
                byte[] root = t.root();
                byte[] leaf = leaves.get(m);
                assertThat(MerkleTree.verify(root, size, m, leaf, path)).as("verify %d of %d", m, size).isTrue();
                assertCorruptionsFail(random, root, size, m, leaf, path);
            }
        }
    }

    /** The corruptions of transparency-dev/merkle's corruptInclusionProof: every one must fail. */
    private static void assertCorruptionsFail(Random random, byte[] root, long size, long m, byte[] leaf,
            List<byte[]> path) {
        String at = "index " + m + " of " + size;
        if (m > 0) {
            assertThat(MerkleTree.verify(root, size, m - 1, leaf, path)).as("index - 1, " + at).isFalse();
        }
        if (m + 1 < size) {
            assertThat(MerkleTree.verify(root, size, m + 1, leaf, path)).as("index + 1, " + at).isFalse();
        }
        if ((m ^ 2) < size && (m ^ 2) != m) {
            assertThat(MerkleTree.verify(root, size, m ^ 2, leaf, path)).as("index ^ 2, " + at).isFalse();
        }
        assertThat(MerkleTree.verify(root, size * 2, m, leaf, path)).as("size * 2, " + at).isFalse();
        if (size / 2 > m) {
            assertThat(MerkleTree.verify(root, size / 2, m, leaf, path)).as("size / 2, " + at).isFalse();
        }
        assertThat(MerkleTree.verify(root, size, m, flip(leaf, random), path)).as("flipped leaf, " + at).isFalse();
        assertThat(MerkleTree.verify(flip(root, random), size, m, leaf, path)).as("flipped root, " + at).isFalse();
        assertThat(MerkleTree.verify(root, size, m, leaf, with(path, path.size(), root))).as("trailing root, " + at)
                .isFalse();
        assertThat(MerkleTree.verify(root, size, m, leaf, with(path, 0, root))).as("preceding root, " + at).isFalse();
        assertThat(MerkleTree.verify(root, size, m, leaf, with(path, 0, new byte[0]))).as("short hash, " + at)
                .isFalse();
        for (int i = 0; i < path.size(); i++) {
            List<byte[]> bad = new ArrayList<>(path);
            bad.set(i, flip(path.get(i), random));
            assertThat(MerkleTree.verify(root, size, m, leaf, bad)).as("flipped path[%d], %s", i, at).isFalse();
        }
        if (!path.isEmpty()) {
            assertThat(MerkleTree.verify(root, size, m, leaf, path.subList(0, path.size() - 1)))
                    .as("removed component, " + at).isFalse();
        }
    }

    @Test
    void verifyRefusesMalformedInputWithoutThrowing() {
        MerkleTree t = ctTree(5);
        byte[] root = t.root();
        byte[] leaf = t.leafHash(4);
        List<byte[]> path = t.auditPath(4);
        assertThat(MerkleTree.verify(root, 5, 4, leaf, path)).isTrue();
        assertThat(MerkleTree.verify(root, 5, 5, leaf, path)).as("index == size").isFalse();
        assertThat(MerkleTree.verify(root, 0, 0, leaf, List.of())).as("empty tree").isFalse();
        assertThat(MerkleTree.verify(root, 5, -1, leaf, path)).as("negative index").isFalse();
        assertThat(MerkleTree.verify(root, -5, 4, leaf, path)).as("negative size").isFalse();
        assertThat(MerkleTree.verify(Arrays.copyOf(root, 31), 5, 4, leaf, path)).as("short root").isFalse();
        assertThat(MerkleTree.verify(root, 5, 4, Arrays.copyOf(leaf, 33), path)).as("long leaf").isFalse();
        assertThat(MerkleTree.verify(null, 5, 4, leaf, path)).as("null root").isFalse();
        List<byte[]> withNull = new ArrayList<>(path);
        withNull.set(0, null);
        assertThat(MerkleTree.verify(root, 5, 4, leaf, withNull)).as("null path element").isFalse();
        List<byte[]> tooLong = new ArrayList<>();
        for (int i = 0; i < MerkleTree.MAX_AUDIT_PATH + 1; i++) {
            tooLong.add(root);
        }
        assertThat(MerkleTree.verify(root, Long.MAX_VALUE, 0, leaf, tooLong)).as("path over the cap").isFalse();
    }

    @Test
    void badConstructionAndIndexAreRefusedWithASentence() {
        assertThatThrownBy(() -> MerkleTree.ofLeafHashes(List.of(new byte[31])))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leaf hash 0: expected 32 bytes, got 31");
        assertThatThrownBy(() -> MerkleTree.ofConcatenatedLeafHashes(new byte[65]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("concatenated leaf hashes: expected a multiple of 32 bytes, got 65");
        assertThatThrownBy(() -> ctTree(3).auditPath(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leaf index 3 is outside the tree of 3 leaves");
    }

    @Test
    void concatenatedAndListConstructionAgree() {
        MerkleTree t = ctTree(7);
        byte[] flat = new byte[7 * 32];
        for (int i = 0; i < 7; i++) {
            System.arraycopy(t.leafHash(i), 0, flat, i * 32, 32);
        }
        assertThat(MerkleTree.ofConcatenatedLeafHashes(flat).root()).isEqualTo(t.root());
    }

    // --- a literal transcription of RFC 6962 section 2.1 over the data itself ---------------------

    private static byte[] rfcMth(List<byte[]> d) {
        int n = d.size();
        if (n == 0) {
            return sha256(new byte[0]);
        }
        if (n == 1) {
            return sha256(concat(new byte[] {0}, d.get(0)));
        }
        int k = Integer.highestOneBit(n - 1);
        return sha256(concat(new byte[] {1}, rfcMth(d.subList(0, k)), rfcMth(d.subList(k, n))));
    }

    private static List<byte[]> rfcPath(int m, List<byte[]> d) {
        int n = d.size();
        List<byte[]> out = new ArrayList<>();
        if (n == 1) {
            return out;
        }
        int k = Integer.highestOneBit(n - 1);
        if (m < k) {
            out.addAll(rfcPath(m, d.subList(0, k)));
            out.add(rfcMth(d.subList(k, n)));
        } else {
            out.addAll(rfcPath(m - k, d.subList(k, n)));
            out.add(rfcMth(d.subList(0, k)));
        }
        return out;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] flip(byte[] h, Random random) {
        byte[] c = h.clone();
        c[random.nextInt(c.length)] ^= (byte) (1 << random.nextInt(8));
        return c;
    }

    private static List<byte[]> with(List<byte[]> path, int at, byte[] extra) {
        List<byte[]> out = new ArrayList<>(path);
        out.add(at, extra);
        return out;
    }
}
