package org.leo.image.pe;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.image.DebCache;
import org.leo.image.InputsLock;

/**
 * The independent tools and real inputs the system tests check this package against: pesign,
 * osslsigncode, objcopy/objdump, sbverify; Debian's systemd-stub (installed by systemd-boot-efi)
 * and the kernel the amd64 lock pins, fetched into the shared test cache by {@link DebCache}.
 */
final class PeTools {
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    static final Path CACHE = Path.of(System.getenv().getOrDefault("LEO_TEST_CACHE", "/var/cache/leo-test")).resolve("image");
    static final Path STUB = Path.of("/usr/lib/systemd/boot/efi/linuxx64.efi.stub");

    private PeTools() {
    }

    /** Runs {@code command}; its stdout and stderr together; fails on a non-zero exit. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(command + " did not finish");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(command + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    static void assumeTool(String tool) {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin", tool)), tool + " is not installed (apt-get install " + tool + ")");
    }

    /** The first group of {@code regex} in {@code text}, lower-cased. */
    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("no " + regex + " in:\n" + text);
        }
        return m.group(1).toLowerCase(java.util.Locale.ROOT);
    }

    static byte[] stub() throws IOException {
        assumeTrue(Files.exists(STUB), STUB + " is missing (apt-get install systemd-boot-efi)");
        return Files.readAllBytes(STUB);
    }

    /** The amd64 lock's vmlinuz (Debian-signed: it carries a Certificate Table). */
    static Path kernel() throws IOException {
        InputsLock lock = InputsLock.read(REPO.resolve("os-image/inputs.lock"));
        InputsLock.Deb deb = lock.debStartingWith("linux-image-").orElseThrow();
        Path root = new DebCache(CACHE).unpacked(deb);
        return root.resolve("boot/vmlinuz-" + deb.name().substring("linux-image-".length()));
    }
}
