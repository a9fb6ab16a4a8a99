package org.leo.attest.appraise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.leo.protocol.attest.v1.ChunkProof;
import org.leo.protocol.attest.v1.DiskRootResult;
import org.leo.protocol.attest.v1.DiskSpotCheck;
import org.leo.protocol.attest.v1.DiskSpotResult;
import org.leo.protocol.merkle.ChunkedFile;
import org.leo.protocol.merkle.MerkleTree;
import org.leo.boot.manifest.Sha256;

/**
 * Disk evidence. A root must equal the golden root. Where the policy gives the Pi a reference copy
 * of the disk, each spot-checked chunk's nonce-keyed digest must equal SHA-256(nonce || reference
 * chunk): only that proves the HPC read the chunk after the nonce was chosen, and it names the chunk
 * that differs ({@code disk.chunk.changed}). Each chunk's leaf hash must also lie in the golden tree
 * (its audit path leads to the golden root); when it does not, the chunk or one of the subtrees its
 * path covers changed ({@code disk.changed}): the agent builds the path from the disk as it is now.
 */
final class DiskAppraisal {
    private final Map<String, Policy.DiskTarget> byPath = new HashMap<>();

    DiskAppraisal(Policy policy) {
        for (Policy.DiskTarget d : policy.disks()) {
            byPath.put(d.hpcPath(), d);
        }
    }

    void root(DiskRootResult got, Golden golden, Findings out) {
        DiskRootResult ref = golden.diskRoots().get(got.getTarget());
        if (ref == null) {
            return; // no baseline for it: the baseline check reports that
        }
        HexFormat hex = HexFormat.of();
        if (!ref.getRoot().equals(got.getRoot()) || ref.getSizeBytes() != got.getSizeBytes() || ref.getChunkSize() != got.getChunkSize()) {
            out.add("disk " + got.getTarget(), "disk.root.changed", hex.formatHex(ref.getRoot().toByteArray()),
                    hex.formatHex(got.getRoot().toByteArray()), "disk " + got.getTarget() + " has Merkle root "
                            + Findings.shortHex(hex.formatHex(got.getRoot().toByteArray())) + " over " + got.getSizeBytes()
                            + " bytes, expected " + Findings.shortHex(hex.formatHex(ref.getRoot().toByteArray())) + " over "
                            + ref.getSizeBytes() + " bytes");
        }
    }

    void spot(DiskSpotCheck asked, DiskSpotResult got, byte[] nonce, Golden golden, Findings out) {
        String target = asked.getTarget();
        DiskRootResult ref = golden.diskRoots().get(target);
        if (ref == null) {
            out.add("disk " + target, "disk.spot.unverifiable", "a baseline root", "none",
                    "disk " + target + " was spot-checked but has no baseline root");
            return;
        }
        Policy.DiskTarget policyTarget = byPath.get(target);
        // The chunk size is the policy's, never the answer's or the golden's: a golden is taken
        // only at the policy's chunk size (GoldenCheck), and the chunk count follows from it.
        if (policyTarget == null || ref.getChunkSize() != policyTarget.chunkSize()) {
            out.add("disk " + target, "disk.spot.unverifiable", "a baseline root at the policy's chunk size", "chunk size " + ref.getChunkSize(),
                    "disk " + target + " was spot-checked but its baseline root is not at the policy's chunk size");
            return;
        }
        long leaves;
        try {
            leaves = ChunkedFile.chunkCount(ref.getSizeBytes(), policyTarget.chunkSize());
        } catch (IllegalArgumentException e) {
            out.add("disk " + target, "disk.spot.unverifiable", "a baseline of sane size", String.valueOf(ref.getSizeBytes()),
                    "disk " + target + " was spot-checked but its baseline does not fit the policy: " + e.getMessage());
            return;
        }
        List<Long> indices = asked.getChunkIndicesList();
        if (got.getChunksCount() != indices.size()) {
            out.add("disk " + target, "evidence.incomplete", indices.size() + " chunks", got.getChunksCount() + " chunks",
                    "disk " + target + ": " + got.getChunksCount() + " chunk proofs for " + indices.size() + " chunks asked");
        }
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < Math.min(indices.size(), got.getChunksCount()); i++) {
            ChunkProof p = got.getChunks(i);
            long index = indices.get(i);
            if (p.getIndex() != index || index < 0 || index >= leaves) {
                out.add("disk " + target, "evidence.mismatched", "chunk " + index, "chunk " + p.getIndex(),
                        "disk " + target + ": answered chunk " + p.getIndex() + " where chunk " + index + " was asked");
                continue;
            }
            List<byte[]> path = new ArrayList<>();
            p.getAuditPathList().forEach(b -> path.add(b.toByteArray()));
            String leafHex = hex.formatHex(p.getLeafHash().toByteArray());
            String rootHex = hex.formatHex(ref.getRoot().toByteArray());
            boolean provenInTree = MerkleTree.verify(ref.getRoot().toByteArray(), leaves, index, p.getLeafHash().toByteArray(), path);
            if (policyTarget != null && policyTarget.reference() != null) {
                // The reference copy says exactly which chunk differs: check it first.
                byte[] expected = keyedReference(policyTarget, policyTarget.chunkSize(), index, nonce, out);
                if (expected == null) {
                    continue;
                }
                if (!Arrays.equals(expected, p.getKeyedDigest().toByteArray())) {
                    out.add("disk " + target, "disk.chunk.changed", hex.formatHex(expected), hex.formatHex(p.getKeyedDigest().toByteArray()),
                            "disk " + target + " chunk " + index + " differs from the Pi's reference copy (nonce-keyed digest "
                                    + Findings.shortHex(hex.formatHex(p.getKeyedDigest().toByteArray())) + ", expected "
                                    + Findings.shortHex(hex.formatHex(expected)) + ")");
                    continue;
                }
            }
            if (!provenInTree) {
                // This chunk's leaf, or one of the subtrees its audit path covers, is not as enrolled.
                out.add("disk " + target, "disk.changed", "a leaf of root " + Findings.shortHex(rootHex), leafHex,
                        "disk " + target + " changed since enrollment: chunk " + index + " (leaf hash " + Findings.shortHex(leafHex)
                                + ") or a chunk its audit path covers is not as enrolled");
            }
        }
    }

    private static byte[] keyedReference(Policy.DiskTarget d, int chunkSize, long index, byte[] nonce, Findings out) {
        try (FileChannel ch = FileChannel.open(d.reference(), StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(chunkSize);
            long pos = index * chunkSize;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position());
                if (n < 0) {
                    break;
                }
            }
            buf.flip();
            MessageDigest md = Sha256.newDigest();
            md.update(nonce);
            md.update(buf);
            return md.digest();
        } catch (IOException e) {
            out.add("disk " + d.hpcPath(), "disk.reference.unreadable", d.reference().toString(), e.getMessage(),
                    "the reference copy " + d.reference() + " of disk " + d.hpcPath() + " cannot be read: " + e.getMessage());
            return null;
        }
    }
}
