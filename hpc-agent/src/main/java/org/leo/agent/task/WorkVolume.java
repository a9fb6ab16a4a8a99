package org.leo.agent.task;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The guest's one writable place: a tmpfs the agent mounts itself (in the HPC's RAM, size- and
 * inode-limited by the kernel, {@code nosuid,nodev}, owned by the guest user, mode 0700) and the
 * engine binds at {@code /work}. The agent writes the inputs into it before the container exists and
 * reads {@code /work/result} after the guest has exited, then unmounts it: the data is gone with the
 * mount.
 *
 * <p>Why not an engine volume: dockerd's own tmpfs volumes ({@code --mount type=tmpfs} or a local volume
 * with {@code type=tmpfs}) are mounted only while the container runs, so what is copied into a created
 * container is lost at start and the result is lost at exit (tried with dockerd 20.10: the copy succeeds
 * and the guest sees an empty {@code /work}); and a read-only root refuses copies outside a volume. A
 * helper inside the guest that waits for its inputs would need a shell in every service image. A tmpfs
 * that outlives the container and that the agent reads directly needs nothing from the image.
 *
 * <p>The guest controls what is in the volume when the agent reads it back: {@link #readResult} does
 * not follow a symbolic link (a link to {@code /etc/shadow} would otherwise be read on the host), takes
 * only a regular file, and never reads more than the limit. No guest process is alive by then: when a
 * container's first process exits, the kernel kills the rest of its PID namespace before the engine
 * reports the exit.
 */
final class WorkVolume implements AutoCloseable {
    static final String RESULT = "result";
    /** An input's name: one path element, no hidden files, a bounded length. */
    static final Pattern INPUT_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
    /** The mount's source name, so that a left-over work tmpfs is recognisable in /proc/self/mountinfo. */
    static final String SOURCE = "leo-task-work";
    private static final long MOUNT_TIMEOUT_SECONDS = 30;

    private final Path dir;
    private boolean mounted;

    private WorkVolume(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    /** Creates {@code root/name} and mounts a tmpfs of the limits' size there. */
    static WorkVolume mount(Path root, String name, Limits limits) throws IOException {
        Files.createDirectories(root);
        Path dir = root.resolve(name);
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        WorkVolume v = new WorkVolume(dir);
        String options = "size=" + limits.workBytes() + ",nr_inodes=" + limits.workInodes() + ",mode=0700,uid=" + GuestConfig.GUEST_UID
                + ",gid=" + GuestConfig.GUEST_GID + ",nosuid,nodev";
        try {
            run("mount", "-t", "tmpfs", "-o", options, SOURCE, dir.toString());
            v.mounted = true;
            return v;
        } catch (IOException e) {
            Files.deleteIfExists(dir);
            throw e;
        }
    }

    /** Refuses input names that are not one plain path element, or that are the result's name; lists all of them. */
    static void checkNames(Iterable<String> names) {
        List<String> bad = new ArrayList<>();
        for (String name : names) {
            if (!INPUT_NAME.matcher(name).matches() || name.equals(RESULT)) {
                bad.add("'" + TarReader.shorten(name) + "'");
            }
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("input names must match " + INPUT_NAME.pattern() + " and not be '" + RESULT + "', got " + bad);
        }
    }

    /** Writes each input as {@code /work/NAME}, read-only for the guest. */
    void write(Map<String, byte[]> inputs) throws IOException {
        checkNames(inputs.keySet());
        for (Map.Entry<String, byte[]> in : inputs.entrySet()) {
            Path f = dir.resolve(in.getKey());
            Files.write(f, in.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
        }
    }

    /** What {@link #readResult} found: the bytes, or why there are none. */
    record Read(byte[] bytes, String problem) {
    }

    /** {@code /work/result} if it is a regular file of at most {@code max} bytes. */
    Read readResult(long max) throws IOException {
        Path f = dir.resolve(RESULT);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return new Read(null, "the guest left no /work/result");
        }
        if (a.isSymbolicLink()) {
            return new Read(null, "/work/result is a symbolic link (to " + TarReader.shorten(Files.readSymbolicLink(f).toString()) + "): refused");
        }
        if (!a.isRegularFile()) {
            return new Read(null, "/work/result is not a regular file: refused");
        }
        if (a.size() > max) {
            return new Read(null, "/work/result has " + a.size() + " bytes, more than the " + max + " allowed");
        }
        try (SeekableByteChannel ch = Files.newByteChannel(f, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
             InputStream in = Channels.newInputStream(ch)) {
            byte[] bytes = in.readNBytes((int) max + 1);
            if (bytes.length > max) {
                return new Read(null, "/work/result grew past the " + max + " bytes allowed while it was read");
            }
            return new Read(bytes, "");
        }
    }

    /** Unmounts the tmpfs (its content is gone) and removes the directory. */
    @Override
    public void close() throws IOException {
        if (mounted) {
            run("umount", dir.toString());
            mounted = false;
        }
        Files.deleteIfExists(dir);
    }

    /** Mount points under {@code root} in this process's mount table (a left-over work tmpfs shows here). */
    static List<String> mountsUnder(Path root) throws IOException {
        String prefix = root.toAbsolutePath().normalize().toString();
        List<String> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
            String[] f = line.split(" ");
            if (f.length > 4) {
                String point = unescape(f[4]);
                if (point.equals(prefix) || point.startsWith(prefix + "/")) {
                    found.add(point);
                }
            }
        }
        return found;
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
            }
            if (!p.waitFor(MOUNT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + MOUNT_TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during " + String.join(" ", command), e);
        }
    }
}
