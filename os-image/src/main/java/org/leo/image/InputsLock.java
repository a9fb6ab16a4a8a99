package org.leo.image;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The lock file of the image's inputs for one architecture ({@code os-image/inputs.lock} for
 * amd64, {@code os-image/inputs-ARCH.lock} for the others): one line per Debian package,
 * {@code deb PACKAGE VERSION ARCH SHA256}, every one of the same architecture or architecture-independent
 * ({@value #ALL}: firmware, udev rules), among them the kernel ({@code linux-image-*}) and the JDK whose jmods
 * jlink links ({@value #JDK_PACKAGE}).
 * {@code #} starts a comment line. Anything else is an error naming the line.
 */
public record InputsLock(List<Deb> debs) {
    /** The package whose jmods the agent's runtime is linked from. */
    public static final String JDK_PACKAGE = "openjdk-17-jdk-headless";
    /** The architectures the image is built for (Debian's names). */
    public static final List<String> ARCHITECTURES = List.of("amd64", "arm64");
    /** Debian's architecture of the packages that run on every architecture (apt-get downloads them as {@code NAME:all=VERSION}). */
    public static final String ALL = "all";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9+.-]*");
    private static final Pattern VERSION = Pattern.compile("[0-9A-Za-z.+:~-]+");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** A pinned Debian package. */
    public record Deb(String name, String version, String arch, String sha256) {
        /** The file name apt-get download gives it (the epoch's ':' written as %3a). */
        public String fileName() {
            return name + "_" + version.replace(":", "%3a") + "_" + arch + ".deb";
        }

        @Override
        public String toString() {
            return name + "=" + version + " (" + arch + ")";
        }
    }

    public InputsLock {
        debs = List.copyOf(debs);
    }

    public static InputsLock read(Path file) throws IOException {
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** @throws IllegalArgumentException naming {@code source} and the line */
    public static InputsLock parse(String text, String source) {
        List<Deb> debs = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = source + " line " + (i + 1) + ": ";
            if (f[0].equals("deb") && f.length == 5) {
                check(NAME, f[1], where + "package name");
                check(VERSION, f[2], where + "version");
                check(NAME, f[3], where + "architecture");
                check(SHA256, f[4], where + "SHA-256");
                if (debs.stream().anyMatch(d -> d.name().equals(f[1]))) {
                    throw new IllegalArgumentException(where + "package " + f[1] + " is pinned twice");
                }
                if (!ARCHITECTURES.contains(f[3]) && !f[3].equals(ALL)) {
                    throw new IllegalArgumentException(where + "architecture " + f[3] + " is not one the image is built for "
                            + ARCHITECTURES);
                }
                String arch = debs.stream().map(Deb::arch).filter(a -> !a.equals(ALL)).findFirst().orElse(null);
                if (arch != null && !f[3].equals(ALL) && !arch.equals(f[3])) {
                    throw new IllegalArgumentException(where + f[1] + " is " + f[3] + ", but this lock is " + arch
                            + " (one lock file per architecture)");
                }
                debs.add(new Deb(f[1], f[2], f[3], f[4]));
            } else {
                throw new IllegalArgumentException(where + "expected 'deb PACKAGE VERSION ARCH SHA256', got: "
                        + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
            }
        }
        if (debs.stream().allMatch(d -> d.arch().equals(ALL))) {
            throw new IllegalArgumentException(source + (debs.isEmpty() ? ": no deb line" : ": no package of an architecture " + ARCHITECTURES));
        }
        return new InputsLock(debs);
    }

    private static void check(Pattern p, String value, String what) {
        if (!p.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' is malformed");
        }
    }

    /** The architecture of every package but the architecture-independent ones (Debian's name: amd64, arm64). */
    public String arch() {
        return debs.stream().map(Deb::arch).filter(a -> !a.equals(ALL)).findFirst().orElseThrow();
    }

    /** The lock file of {@code arch} in the repository's {@code os-image/}. */
    public static Path fileFor(Path osImageDir, String arch) {
        if (!ARCHITECTURES.contains(arch)) {
            throw new IllegalArgumentException("architecture " + arch + " is not one the image is built for " + ARCHITECTURES);
        }
        return osImageDir.resolve(arch.equals("amd64") ? "inputs.lock" : "inputs-" + arch + ".lock");
    }

    /** The pinned package named {@code name}. */
    public Optional<Deb> deb(String name) {
        return debs.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    /** The pinned package named {@code name}. @throws IOException saying the lock pins none */
    public Deb require(String name) throws java.io.IOException {
        return deb(name).orElseThrow(() -> new java.io.IOException("the " + arch() + " lock pins no " + name));
    }

    /** The pinned package whose name starts with {@code prefix} (the kernel: linux-image-). */
    public Optional<Deb> debStartingWith(String prefix) {
        return debs.stream().filter(d -> d.name().startsWith(prefix)).findFirst();
    }
}
