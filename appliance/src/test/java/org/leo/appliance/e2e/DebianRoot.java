package org.leo.appliance.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.time.temporal.IsoFields;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A clean Debian root as a tarball, made by {@code mmdebstrap --variant=apt --mode=root} from the default
 * Debian mirror (with its updates and security suites), for {@code docker import}. Cached under
 * {@code ~/.cache/leo/debian-roots/}, keyed by the suite, the package list and the ISO week: later runs in the
 * same week reuse it (the first takes ~20 s and needs the network; the tarball is ~400 MB), a new week
 * brings the archive's updates, and an older tarball of the same key is deleted when its successor is made.
 */
final class DebianRoot {
    /** mmdebstrap of a few hundred MB on a slow mirror; a hung download ends here. */
    static final long TIMEOUT_MINUTES = 20;
    static final Path CACHE = Path.of(System.getProperty("user.home"), ".cache", "leo", "debian-roots");
    /**
     * A Pi's root as the package's tests see it, one list so that they share one cached root (each list is its own
     * mmdebstrap, ~40-150 s and ~450 MB on a fresh CI machine): what leo depends on (default-jre-headless, adduser,
     * procps) and what it recommends and runs (swtpm); systemd as PID 1 (systemd-sysv); man-db (DebPackageIT reads the
     * pages); openssh-server and python3 with python3-apt, which Ansible needs on a host (AnsibleIT); iproute2, busybox
     * (udhcpc) and curl for the HPC it simulates.
     */
    static final List<String> PI = List.of("systemd", "systemd-sysv", "adduser", "default-jre-headless", "procps", "man-db", "swtpm",
            "openssh-server", "python3", "python3-apt", "iproute2", "busybox", "curl");

    private DebianRoot() {
    }

    /** The cached bookworm root with {@code packages} installed, made first if this week has none. */
    static Path bookworm(List<String> packages) throws IOException {
        return of("bookworm", packages, LocalDate.now());
    }

    static Path of(String suite, List<String> packages, LocalDate today) throws IOException {
        String include = String.join(",", packages);
        String key = suite + "-" + sha256(include).substring(0, 12);
        String week = today.get(IsoFields.WEEK_BASED_YEAR) + "w" + String.format("%02d", today.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
        Path tar = CACHE.resolve(key + "-" + week + ".tar");
        if (Files.isRegularFile(tar)) {
            System.out.println("DebianRoot: reusing " + tar + " (" + include + ")");
            return tar;
        }
        Files.createDirectories(CACHE);
        Path partial = CACHE.resolve(key + "-" + week + ".partial-" + ProcessHandle.current().pid() + ".tar");
        List<String> argv = List.of("mmdebstrap", "--variant=apt", "--mode=root", "--format=tar", "--include=" + include, suite, partial.toString());
        System.out.println("DebianRoot: " + String.join(" ", argv) + " (~20 s, needs the network the first time each week)");
        long started = System.nanoTime();
        try {
            run(argv);
            Files.move(partial, tar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
        System.out.printf("DebianRoot: made %s (%d MB) in %d s%n", tar, Files.size(tar) >> 20, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
        try (Stream<Path> old = Files.list(CACHE)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(key + "-") && !p.getFileName().toString().contains(".partial-") && !p.equals(tar)).toList()) {
                System.out.println("DebianRoot: deleting the older " + p);
                Files.deleteIfExists(p);
            }
        }
        return tar;
    }

    /** Runs mmdebstrap, printing its progress lines; fails with its last lines. */
    private static void run(List<String> argv) throws IOException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        Deque<String> last = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    System.out.println("mmdebstrap: " + line);
                    synchronized (last) {
                        last.addLast(line);
                        if (last.size() > 20) {
                            last.removeFirst();
                        }
                    }
                }
            } catch (IOException closed) {
                // the process ended
            }
        }, "mmdebstrap-out");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
                p.destroyForcibly();
                throw new IOException("mmdebstrap did not finish within " + TIMEOUT_MINUTES + " minutes");
            }
            reader.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mmdebstrap ran", e);
        }
        if (p.exitValue() != 0) {
            List<String> tail;
            synchronized (last) {
                tail = new ArrayList<>(last);
            }
            throw new IOException("mmdebstrap exited " + p.exitValue() + " (it needs root and the network to the Debian archive"
                    + " when no root of this week is cached in " + CACHE + "); its last lines:\n" + String.join("\n", tail));
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
