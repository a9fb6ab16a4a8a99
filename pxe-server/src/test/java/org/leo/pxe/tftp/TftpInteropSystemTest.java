package org.leo.pxe.tftp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.leo.pxe.tftp.TftpTestServer.randomBytes;
import static org.leo.pxe.tftp.TftpTestServer.sha256;
import static org.leo.pxe.tftp.TftpTestServer.write;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real TFTP clients against the server on 127.0.0.1 (ephemeral port): atftp (blksize, tsize,
 * windowsize options), tftp-hpa {@code tftp}, {@code busybox tftp -b} and {@code curl
 * --tftp-blksize}. Needs the Debian packages atftp, tftp-hpa, busybox and curl; each client whose
 * binary is missing is skipped.
 */
@Tag("system")
class TftpInteropSystemTest {
    private static final int[] SIZES = {0, 1, 511, 512, 513};
    private static final int BIG = 64 << 20;
    /** A client that has not finished a 64 MiB fetch in this time is broken, not slow. */
    private static final long CLIENT_TIMEOUT_S = 300;

    @TempDir
    static Path root;
    @TempDir
    static Path out;
    static TftpTestServer t;

    @BeforeAll
    static void startServer() throws IOException {
        for (int size : SIZES) {
            write(root, "f" + size, randomBytes(size, size));
        }
        write(root, "big", randomBytes(BIG, 64));
        write(root, "boot.ipxe",
                "#!ipxe\nkernel vmlinuz quiet\r\ninitrd initrd.img\nboot\n".repeat(300).getBytes(StandardCharsets.US_ASCII));
        t = new TftpTestServer(root, c -> c);
    }

    @AfterAll
    static void stopServer() {
        if (t != null) {
            t.close();
        }
    }

    enum Client {
        ATFTP("/usr/bin/atftp"),
        TFTP_HPA("/usr/bin/tftp"),
        BUSYBOX("/usr/bin/busybox"),
        CURL("/usr/bin/curl");

        final String binary;

        Client(String binary) {
            this.binary = binary;
        }

        List<String> command(String remote, Path local, int port) {
            String p = Integer.toString(port);
            return switch (this) {
                case ATFTP -> List.of(binary, "--option", "blksize 1432", "--option", "tsize 0",
                        "--option", "windowsize 16", "-g", "-r", remote, "-l", local.toString(), "127.0.0.1", p);
                case TFTP_HPA -> List.of(binary, "-m", "binary", "127.0.0.1", p, "-c", "get", remote, local.toString());
                case BUSYBOX -> List.of(binary, "tftp", "-b", "1432", "-g", "-r", remote, "-l", local.toString(),
                        "127.0.0.1", p);
                case CURL -> List.of(binary, "-sS", "--path-as-is", "--tftp-blksize", "1432", "-o", local.toString(),
                        "tftp://127.0.0.1:" + p + "/" + remote);
            };
        }

        void assumeInstalled() {
            assumeTrue(Files.isExecutable(Path.of(binary)), name() + " skipped: " + binary + " is not installed");
        }
    }

    record Run(int exit, String output, long millis) {
    }

    private static Run run(List<String> command) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] outBytes;
        if (!p.waitFor(CLIENT_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("client did not finish: " + command);
        }
        outBytes = p.getInputStream().readAllBytes();
        return new Run(p.exitValue(), new String(outBytes, StandardCharsets.UTF_8),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    static Stream<Arguments> clientsAndSizes() {
        List<Arguments> a = new ArrayList<>();
        for (Client c : Client.values()) {
            for (int size : SIZES) {
                a.add(Arguments.of(c, "f" + size));
            }
            a.add(Arguments.of(c, "big"));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("clientsAndSizes")
    void clientFetchesFileWithMatchingDigest(Client client, String name) throws Exception {
        client.assumeInstalled();
        Path local = out.resolve(client + "-" + name);
        Run r = run(client.command(name, local, t.address.getPort()));
        assertThat(r.exit()).as(r.output()).isZero();
        byte[] expected = Files.readAllBytes(root.resolve(name));
        assertThat(Files.size(local)).isEqualTo(expected.length);
        assertThat(sha256(Files.readAllBytes(local))).isEqualTo(sha256(expected));
        if (name.equals("big")) {
            System.out.printf("TFTP interop: %s fetched 64 MiB in %d ms%n", client, r.millis());
        }
        Files.delete(local);
    }

    static Stream<Arguments> clientsAndTraversals() {
        List<Arguments> a = new ArrayList<>();
        for (Client c : Client.values()) {
            for (String name : List.of("../etc/passwd", "/etc/passwd", "a/../../x")) {
                a.add(Arguments.of(c, name));
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("clientsAndTraversals")
    void clientTraversalIsRefused(Client client, String name) throws Exception {
        client.assumeInstalled();
        Path local = out.resolve(client + "-traversal");
        double before = t.refused("ACCESS_VIOLATION");
        // curl keeps a leading slash of the URL path only when doubled: tftp://host:port//etc/passwd
        Run r = run(client.command(name, local, t.address.getPort()));
        assertThat(t.refused("ACCESS_VIOLATION")).as(r.output()).isEqualTo(before + 1);
        boolean leaked = Files.exists(local) && Files.size(local) > 0;
        assertThat(leaked).as("client got bytes: " + r.output()).isFalse();
        Files.deleteIfExists(local);
    }

    @Test
    void tftpHpaNetasciiRoundTripsText() throws Exception {
        Client.TFTP_HPA.assumeInstalled();
        Path local = out.resolve("boot.ipxe");
        Run r = run(List.of(Client.TFTP_HPA.binary, "-m", "ascii", "127.0.0.1", Integer.toString(t.address.getPort()),
                "-c", "get", "boot.ipxe", local.toString()));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(Files.readString(local)).isEqualTo(Files.readString(root.resolve("boot.ipxe")));
    }
}
