package org.leo.agent.collect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Map;
import org.leo.protocol.attest.v1.MemoryCheck;
import org.leo.protocol.attest.v1.MemoryDigest;
import org.leo.protocol.attest.v1.MemoryRegionRead;
import org.leo.protocol.attest.v1.MemoryResult;

/**
 * Nonce-keyed digests of the memory regions a challenge names: for each read, SHA-256(nonce ||
 * the bytes at region.base + offset, length bytes). Keyed by the challenge's fresh nonce, so the
 * answer cannot be computed before the challenge arrives, only from the bytes themselves.
 *
 * <p>Regions come from the policy ({@link MemoryRegion}); a read of a region the policy does not
 * name, past the region's end, or longer than {@link #MAX_READ_LENGTH}, fails the whole check
 * with a {@link CollectException} (the server asked for something it should not). A file shorter
 * than the region (a kcore segment that cannot be read) gives a digest over the bytes actually
 * read, and {@code MemoryDigest.length} says how many.
 */
public final class MemoryCollector {
    /** Longest single read: 16 MiB (a kernel text segment is ~16-20 MiB; a check may split it). */
    public static final int MAX_READ_LENGTH = 16 << 20;
    /** Most reads in one check. */
    public static final int MAX_READS = 64;
    /** Read buffer per call; reads of regions stream through it. */
    private static final int BUFFER = 1 << 20;

    private final HostPaths host;
    private final Map<String, MemoryRegion> regions;

    public MemoryCollector(HostPaths host, Map<String, MemoryRegion> regions) {
        this.host = host;
        this.regions = Map.copyOf(regions);
    }

    public MemoryResult collect(MemoryCheck check, byte[] nonce) throws CollectException {
        if (check.getReadsCount() > MAX_READS) {
            throw new CollectException("memory check asks for " + check.getReadsCount() + " reads; at most "
                    + MAX_READS + " are answered");
        }
        MemoryResult.Builder out = MemoryResult.newBuilder();
        ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
        MessageDigest md = Digests.sha256();
        for (MemoryRegionRead read : check.getReadsList()) {
            MemoryRegion region = regions.get(read.getRegion());
            if (region == null) {
                throw new CollectException("memory region \"" + Text.printable(read.getRegion(), 64)
                        + "\" is not named in the policy");
            }
            long offset = read.getOffset();
            long length = Integer.toUnsignedLong(read.getLength());
            if (length > MAX_READ_LENGTH) {
                throw new CollectException("memory read of " + length + " bytes from \"" + read.getRegion()
                        + "\" is over the cap of " + MAX_READ_LENGTH + " bytes");
            }
            if (offset < 0 || offset > region.size() || length > region.size() - offset) {
                throw new CollectException("memory read [" + Long.toUnsignedString(offset) + ", +" + length
                        + ") is outside region \"" + read.getRegion() + "\" of " + region.size() + " bytes");
            }
            md.reset();
            md.update(nonce);
            long got = readInto(md, buffer, host.proc().resolve(region.file()), region.base() + offset, length);
            out.addDigests(MemoryDigest.newBuilder().setRegion(read.getRegion()).setOffset(offset)
                    .setLength((int) got).setKeyedDigest(com.google.protobuf.ByteString.copyFrom(md.digest())));
        }
        return out.build();
    }

    /** Feeds up to {@code length} bytes at {@code position} of {@code file} into md; the count read. */
    private static long readInto(MessageDigest md, ByteBuffer buffer, Path file, long position, long length)
            throws CollectException {
        long done = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (done < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
                int n = ch.read(buffer, position + done);
                if (n <= 0) {
                    break;
                }
                buffer.flip();
                md.update(buffer);
                done += n;
            }
        } catch (IOException e) {
            if (done == 0) {
                throw new CollectException("memory file " + file + " cannot be read: " + e.getMessage(), e);
            }
        }
        return done;
    }
}
