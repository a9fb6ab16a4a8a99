package org.leo.pxe.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.leo.pxe.boot.BootFiles;
import org.leo.pxe.boot.BootRefusal;
import org.leo.pxe.boot.BootRequest;
import org.leo.pxe.boot.ServedFile;
import org.leo.pxe.boot.TransferResult;

/**
 * Test-only {@link BootFiles} over a directory: no manifest. Refuses names with {@code ..}
 * segments, absolute names, anything that is not a regular file and symlinks resolving outside the
 * root (ACCESS_VIOLATION); missing files are NOT_FOUND. Reads the file into a direct buffer and
 * hashes it; the result is reused while the file's size and modification time stay the same (so
 * timings of repeated fetches measure the transport, not the disk). Records every
 * {@link #finished} call.
 */
public final class DirectoryBootFiles implements BootFiles {
    /** One {@link #finished} call. */
    public record Finished(BootRequest request, ServedFile file, TransferResult result) {
    }

    private final Path root;
    private final List<Finished> finished = new CopyOnWriteArrayList<>();
    private final Map<Path, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(long size, FileTime modified, ServedFile file) {
    }

    public DirectoryBootFiles(Path root) throws IOException {
        this.root = root.toRealPath();
    }

    @Override
    public ServedFile open(BootRequest request) throws BootRefusal {
        String name = request.path();
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf('\0') >= 0) {
            throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: absolute or empty name");
        }
        for (String segment : name.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: '..' in name");
            }
        }
        Path path = root.resolve(name).normalize();
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new BootRefusal(BootRefusal.Reason.NOT_FOUND, "file not found");
        } catch (IOException e) {
            throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: cannot resolve");
        }
        if (!real.startsWith(root)) {
            throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: outside the boot root");
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: not a regular file");
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
            Cached cached = cache.get(real);
            if (cached != null && cached.size() == attributes.size()
                    && cached.modified().equals(attributes.lastModifiedTime())) {
                return cached.file();
            }
            ServedFile file = read(real);
            cache.put(real, new Cached(attributes.size(), attributes.lastModifiedTime(), file));
            return file;
        } catch (IOException e) {
            throw new BootRefusal(BootRefusal.Reason.NOT_FOUND, "file not found");
        }
    }

    private ServedFile read(Path real) throws BootRefusal {
        try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new BootRefusal(BootRefusal.Reason.ACCESS_VIOLATION, "access violation: file too large");
            }
            ByteBuffer content = ByteBuffer.allocateDirect((int) size);
            while (content.hasRemaining() && ch.read(content) >= 0) {
                // read all
            }
            content.flip();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(content.duplicate());
            String name0 = root.relativize(real).toString();
            return new ServedFile(name0, content, HexFormat.of().formatHex(sha.digest()), Optional.empty(), false);
        } catch (IOException e) {
            throw new BootRefusal(BootRefusal.Reason.NOT_FOUND, "file not found");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void finished(BootRequest request, ServedFile file, TransferResult result) {
        finished.add(new Finished(request, file, result));
    }

    /** The {@link #finished} calls so far, in order. */
    public List<Finished> finishedCalls() {
        return List.copyOf(finished);
    }
}
