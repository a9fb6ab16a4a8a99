package org.leo.appliance.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.leo.appliance.cli.AttestCommandTest;
import org.leo.boot.manifest.ManifestTool;
import org.leo.image.Tree;

/**
 * The appliance image of this build, made once per test JVM by {@code leo image build-appliance} (in
 * process) from the pinned packages (the shared test cache) and this build's Debian package
 * ({@code target/leo_VERSION_all.deb}), signed with a fresh key; deleted when the JVM exits. The
 * image tests share it: {@link ApplianceImageIT} builds a second one to compare, {@link ApplianceBootIT}
 * boots it.
 */
final class ApplianceImage {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path CACHE = Path.of(System.getenv().getOrDefault("LEO_TEST_CACHE", "/var/cache/leo-test")).resolve("image");
    static final Path LOCK = REPO.resolve("os-image/appliance-arm64.lock");
    static final long EPOCH = 1_764_547_200L; // 2025-12-01T00:00:00Z
    static final String IMAGE_ID = "leo-appliance-test";

    /** A built image: its directory, the key pair that signed its manifest, the CLI's output and how long it took. */
    record Built(Path dir, ManifestTool.KeyFiles keys, String output, long millis) {
        Path image() {
            return dir.resolve("leo-appliance.img");
        }

        Path info() {
            return dir.resolve("leo-appliance.info");
        }

        Path manifest() {
            return dir.resolve("leo-appliance.manifest");
        }

        /** The value of {@code KEY: VALUE} in leo-appliance.info. */
        String info(String key) throws IOException {
            return Files.readAllLines(info()).stream().filter(l -> l.startsWith(key + ": ")).findFirst()
                    .map(l -> l.substring(key.length() + 2)).orElseThrow(() -> new IOException("no " + key + " in " + info()));
        }
    }

    private static Built first;
    private static Path root;

    private ApplianceImage() {
    }

    /** Why the image cannot be built here, if it cannot. */
    static Optional<String> unavailable() throws IOException {
        if (debianPackage().isEmpty()) {
            return Optional.of("the Debian package (target/leo_VERSION_all.deb) is missing: run ./mvnw verify");
        }
        for (String tool : List.of("mksquashfs", "mkfs.fat", "mcopy", "depmod")) {
            if (!org.leo.pxe.vm.Exec.onPath(tool)) {
                return Optional.of(tool + " is not installed (scripts/install-deps test)");
            }
        }
        return Optional.empty();
    }

    /** The image the tests share, built on first use. */
    static synchronized Built first() throws IOException {
        if (first == null) {
            first = build("one");
        }
        return first;
    }

    /** Builds an image into a new directory named {@code name}, as the first. */
    static synchronized Built build(String name) throws IOException {
        if (root == null) {
            root = Files.createTempDirectory("leo-appliance-it-");
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Tree.delete(r);
                } catch (IOException ignored) {
                    // a temporary directory; the next boot's tmpfs cleaning takes it
                }
            }));
        }
        Path dir = root.resolve(name);
        ManifestTool.KeyFiles keys = ManifestTool.generateKeyPair(root.resolve(name + "-keys"));
        long t0 = System.nanoTime();
        AttestCommandTest.Run r = leo("image", "build-appliance", "--out", dir.toString(), "--key", keys.privateKey().toString(), "--image-id", IMAGE_ID,
                "--source-date-epoch", Long.toString(EPOCH), "--cache", CACHE.toString(), "--appliance-lock", LOCK.toString(),
                "--leo-deb", debianPackage().orElseThrow().toString());
        long millis = (System.nanoTime() - t0) / 1_000_000;
        if (r.status() != 0) {
            throw new IOException("leo image build-appliance exited with " + r.status() + ": " + r.err() + r.out());
        }
        return new Built(dir, keys, r.out(), millis);
    }

    /** Runs {@code leo ARGS} in this JVM. */
    static AttestCommandTest.Run leo(String... args) {
        return AttestCommandTest.leo(args);
    }

    static Optional<Path> debianPackage() throws IOException {
        Path target = REPO.resolve("appliance/target");
        if (!Files.isDirectory(target)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(target)) {
            return s.filter(p -> p.getFileName().toString().matches("leo_.+_all\\.deb")).findFirst();
        }
    }

    /** Copies {@code sectors} 512-byte sectors from {@code start} of the image to {@code out}. */
    static Path extract(Path image, long start, long sectors, Path out) throws IOException {
        try (var in = java.nio.channels.FileChannel.open(image); var o = java.nio.channels.FileChannel.open(out,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            long pos = start * 512;
            long end = pos + sectors * 512;
            while (pos < end) {
                pos += in.transferTo(pos, end - pos, o);
            }
        }
        return out;
    }

    /** The {@code partition N NAME: start S sectors C sha256 H} line of leo-appliance.info, as numbers. */
    static long[] partition(Built b, int n) throws IOException {
        String line = Files.readAllLines(b.info()).stream().filter(l -> l.startsWith("partition " + n + " ")).findFirst().orElseThrow();
        String[] f = line.split("\\s+");
        List<Long> nums = new ArrayList<>();
        for (int i = 0; i < f.length - 1; i++) {
            if (f[i].equals("start") || f[i].equals("sectors")) {
                nums.add(Long.parseLong(f[i + 1]));
            }
        }
        return new long[] {nums.get(0), nums.get(1)};
    }
}
