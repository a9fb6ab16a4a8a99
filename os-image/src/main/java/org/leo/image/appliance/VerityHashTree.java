package org.leo.image.appliance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The dm-verity hash device of a read-only file system image, as {@code veritysetup format} writes it
 * (cryptsetup's "VERITY" on-disk format, hash type 1, the kernel's
 * Documentation/admin-guide/device-mapper/verity.rst): a 512-byte superblock in the first 4096-byte
 * block, then the hash tree, its top level first. Each data block's digest is
 * {@code SHA-256(salt || block)}; a hash block holds 128 digests of the level below, zero-padded;
 * the root hash is the digest of the top level's single block (of the data block itself when there
 * is only one). The salt and the superblock's UUID are derived from the data's own digest, so equal
 * data gives an equal hash device and root hash: nothing random, nothing of the build machine.
 *
 * <p>{@code VerityHashTreeTest} compares the bytes with veritysetup 2.6's for the same salt and UUID, and
 * {@code veritysetup verify} accepts the result.
 */
public final class VerityHashTree {
    /** Data and hash block size: the page size of the Pi's kernel, and squashfs's largest block. */
    public static final int BLOCK = 4096;
    static final int DIGEST = 32;
    static final int PER_BLOCK = BLOCK / DIGEST;

    /**
     * What the kernel's dm-verity target needs besides the two devices, and what {@code veritysetup
     * open} would read from the superblock.
     *
     * @param dataBlocks the data device's size in {@value #BLOCK}-byte blocks
     * @param hashStartBlock where the tree starts on the hash device, in blocks (1: after the superblock)
     */
    public record Params(byte[] rootHash, byte[] salt, byte[] uuid, long dataBlocks, long hashStartBlock, long hashBytes) {
        public String rootHashHex() {
            return HexFormat.of().formatHex(rootHash);
        }

        public String saltHex() {
            return HexFormat.of().formatHex(salt);
        }

        /** The UUID as veritysetup prints it (8-4-4-4-12). */
        public String uuidText() {
            String h = HexFormat.of().formatHex(uuid);
            return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20) + "-" + h.substring(20);
        }

        /**
         * The device-mapper table line of the target ({@code dmsetup create NAME --readonly --table LINE}), in 512-byte
         * sectors: {@code 0 SECTORS verity 1 DATA HASH 4096 4096 BLOCKS 1 sha256 ROOT SALT}.
         */
        public String table(String dataDevice, String hashDevice) {
            return "0 " + dataBlocks * (BLOCK / 512) + " verity 1 " + dataDevice + " " + hashDevice + " " + BLOCK + " " + BLOCK + " "
                    + dataBlocks + " " + hashStartBlock + " sha256 " + rootHashHex() + " " + saltHex();
        }
    }

    private VerityHashTree() {
    }

    /**
     * The salt of {@code data}: SHA-256 of a fixed label and the data's SHA-256. Different data gives
     * a different salt (as veritysetup's random one would), the same data the same.
     */
    public static byte[] saltFor(byte[] dataSha256) {
        MessageDigest md = sha256();
        md.update("leo-appliance dm-verity salt v1\n".getBytes(StandardCharsets.US_ASCII));
        md.update(dataSha256);
        return md.digest();
    }

    /** The superblock's UUID: a version 4 UUID whose bits come from the salt instead of a random source. */
    public static byte[] uuidFor(byte[] salt) {
        MessageDigest md = sha256();
        md.update("leo-appliance dm-verity uuid v1\n".getBytes(StandardCharsets.US_ASCII));
        md.update(salt);
        byte[] u = java.util.Arrays.copyOf(md.digest(), 16);
        u[6] = (byte) ((u[6] & 0x0f) | 0x40);
        u[8] = (byte) ((u[8] & 0x3f) | 0x80);
        return u;
    }

    /**
     * Writes the hash device of {@code data} (whose size must be a whole number of blocks) to
     * {@code hashOut}, with the salt and UUID derived from the data.
     */
    public static Params write(Path data, Path hashOut) throws IOException {
        byte[] salt = saltFor(HexFormat.of().parseHex(org.leo.boot.manifest.Sha256.hex(data)));
        return write(data, hashOut, salt, uuidFor(salt));
    }

    /** As {@link #write(Path, Path)}, with the salt (at most 256 bytes) and the 16-byte UUID given. */
    public static Params write(Path data, Path hashOut, byte[] salt, byte[] uuid) throws IOException {
        long size = Files.size(data);
        if (size == 0 || size % BLOCK != 0) {
            throw new IOException(data + " is " + size + " bytes, not a positive multiple of " + BLOCK);
        }
        if (salt.length > 256 || uuid.length != 16) {
            throw new IllegalArgumentException("salt of " + salt.length + " bytes (at most 256), uuid of " + uuid.length + " (16)");
        }
        long blocks = size / BLOCK;
        // level 0: the digests of the data blocks; each further level: the digests of the blocks of the one below
        List<byte[]> levels = new ArrayList<>();
        byte[] digests = new byte[Math.toIntExact(blocks * DIGEST)];
        byte[] block = new byte[BLOCK];
        MessageDigest md = sha256();
        try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(data), 1 << 20)) {
            for (long i = 0; i < blocks; i++) {
                if (in.readNBytes(block, 0, BLOCK) != BLOCK) {
                    throw new IOException(data + " shrank while it was hashed");
                }
                md.update(salt);
                md.update(block);
                System.arraycopy(md.digest(), 0, digests, (int) (i * DIGEST), DIGEST);
            }
        }
        byte[] root;
        if (blocks == 1) {
            root = java.util.Arrays.copyOf(digests, DIGEST);
        } else {
            byte[] below = digests;
            while (true) {
                byte[] level = padToBlocks(below);
                levels.add(level);
                int n = level.length / BLOCK;
                byte[] up = new byte[n * DIGEST];
                for (int i = 0; i < n; i++) {
                    md.update(salt);
                    md.update(level, i * BLOCK, BLOCK);
                    System.arraycopy(md.digest(), 0, up, i * DIGEST, DIGEST);
                }
                if (n == 1) {
                    root = up;
                    break;
                }
                below = up;
            }
        }
        long hashBytes = BLOCK;
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(hashOut), 1 << 20)) {
            out.write(superblock(salt, uuid, blocks));
            for (int l = levels.size() - 1; l >= 0; l--) {
                out.write(levels.get(l));
                hashBytes += levels.get(l).length;
            }
        }
        return new Params(root, salt.clone(), uuid.clone(), blocks, 1, hashBytes);
    }

    /** The 512-byte superblock (struct verity_sb of cryptsetup's lib/verity/verity.c), zero-padded to a block. */
    static byte[] superblock(byte[] salt, byte[] uuid, long dataBlocks) {
        ByteBuffer sb = ByteBuffer.allocate(BLOCK).order(ByteOrder.LITTLE_ENDIAN);
        sb.put("verity\0\0".getBytes(StandardCharsets.US_ASCII));
        sb.putInt(1); // version
        sb.putInt(1); // hash type: salt first, digests padded to a power of two
        sb.put(uuid);
        byte[] alg = new byte[32];
        byte[] name = "sha256".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, alg, 0, name.length);
        sb.put(alg);
        sb.putInt(BLOCK); // data block size
        sb.putInt(BLOCK); // hash block size
        sb.putLong(dataBlocks);
        sb.putShort((short) salt.length);
        sb.position(sb.position() + 6);
        sb.put(salt);
        return sb.array();
    }

    private static byte[] padToBlocks(byte[] b) {
        int n = (b.length + BLOCK - 1) / BLOCK;
        return java.util.Arrays.copyOf(b, n * BLOCK);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
