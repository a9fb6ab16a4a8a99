package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.leo.boot.events.BootStage;
import org.leo.boot.manifest.Sha256;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP boot server against the real {@code curl} binary (Debian package {@code curl}). */
@Tag("system")
class HttpBootCurlTest {
    @TempDir
    static Path tmp;
    static HttpFixture fx;

    /** curl's exit code, its stdout (the -w write-out) and the file it wrote. */
    record Curl(int exit, String out, byte[] body) {
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(curlAvailable(), "curl not installed (apt-get install curl); skipping the curl interop tests");
        fx = new HttpFixture(tmp, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void drain() throws InterruptedException {
        fx.awaitQuiet();
        fx.finished.clear();
        fx.events.clear();
    }

    static boolean curlAvailable() {
        try {
            Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static Curl curl(String... args) throws Exception {
        Path out = Files.createTempFile(tmp, "curl", ".out");
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--noproxy", "*", "-o", out.toString(),
                "-w", "%{http_code} %{size_download} %{speed_download}"));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        byte[] body = Files.readAllBytes(out);
        Files.delete(out);
        return new Curl(p.exitValue(), stdout, body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"file0", "file1", "file511", "file512", "file513", "big.img"})
    void fullGet(String name) throws Exception {
        long t0 = System.nanoTime();
        Curl c = curl(fx.url(name));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(c.exit()).isZero();
        assertThat(c.out()).startsWith("200 ");
        assertThat(Sha256.hex(c.body())).isEqualTo(fx.sha(name));
        HttpFixture.Finished f = fx.nextFinished();
        assertThat(f.result().complete()).isTrue();
        assertThat(f.result().sentSha256Hex()).isEqualTo(fx.sha(name));
        if (name.equals("big.img")) {
            System.out.println("curl fetched 64 MiB over loopback in " + ms + " ms (curl process incl.), curl says "
                    + c.out() + " bytes/s; server-side transfer " + f.result().elapsed().toMillis() + " ms");
        }
    }

    /** Informational timing (no assert on it): a warm 64 MiB fetch, snapshot already loaded. */
    @Test
    void timing64MiB() throws Exception {
        curl(fx.url("big.img"));
        fx.nextFinished();
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            Curl c = curl(fx.url("big.img"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(Sha256.hex(c.body())).isEqualTo(fx.sha("big.img"));
            HttpFixture.Finished f = fx.nextFinished();
            System.out.println("timing: curl 64 MiB warm run " + i + ": " + ms + " ms wall (curl process incl.), curl '"
                    + c.out() + "' (code bytes bytes/s), server transfer " + f.result().elapsed().toMillis() + " ms");
        }
    }

    @Test
    void rangesWithCurl() throws Exception {
        byte[] all = fx.bytes("file513");
        Curl a = curl("-r", "0-99", fx.url("file513"));
        assertThat(a.out()).startsWith("206 ");
        assertThat(a.body()).isEqualTo(Arrays.copyOfRange(all, 0, 100));
        Curl b = curl("-r", "500-", fx.url("file513"));
        assertThat(b.body()).isEqualTo(Arrays.copyOfRange(all, 500, 513));
        Curl c = curl("-r", "-13", fx.url("file513"));
        assertThat(c.body()).isEqualTo(Arrays.copyOfRange(all, 500, 513));
        Curl d = curl("-r", "600-700", fx.url("file513"));
        assertThat(d.out()).startsWith("416 ");
        Curl e = curl("-r", "0-1,5-6", fx.url("file513"));
        assertThat(e.out()).startsWith("200 ");
        assertThat(e.body()).isEqualTo(all);
        byte[] big = fx.bytes("big.img");
        Curl resume = curl("-r", (32 << 20) + "-", fx.url("big.img"));
        assertThat(Sha256.hex(resume.body())).isEqualTo(Sha256.hex(Arrays.copyOfRange(big, 32 << 20, big.length)));
    }

    @Test
    void headWithCurl() throws Exception {
        Path headers = tmp.resolve("headers.txt");
        Curl c = curl("-I", "-D", headers.toString(), fx.url("file512"));
        assertThat(c.out()).startsWith("200 0 ");
        String h = Files.readString(headers);
        assertThat(h).contains("content-length: 512\r\n", "accept-ranges: bytes\r\n");
    }

    @Test
    void refusalsWithCurl() throws Exception {
        Curl missing = curl(fx.url("nothing"));
        assertThat(missing.out()).startsWith("404 ");
        assertThat(new String(missing.body(), StandardCharsets.US_ASCII)).isEqualTo("404 Not Found: nothing: no such file\n");
        assertThat(curl(fx.url("unlisted.bin")).out()).startsWith("403 ");
        assertThat(curl(fx.url("zero")).out()).startsWith("403 ");
        Curl traversal = curl("--path-as-is", fx.url("../../../../etc/passwd"));
        assertThat(traversal.out()).startsWith("403 ");
        assertThat(new String(traversal.body(), StandardCharsets.US_ASCII)).doesNotContain("root:");
        assertThat(curl("--path-as-is", fx.url("efi/../vmlinuz")).out()).startsWith("403 ");
        assertThat(curl("--path-as-is", fx.url("%2e%2e/%2e%2e/etc/passwd")).out()).startsWith("403 ");
        assertThat(curl("-X", "PUT", fx.url("file1")).out()).startsWith("405 ");
        assertThat(fx.events).filteredOn(e -> e.stage() == BootStage.FILE_REFUSED).hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void keepAliveReusesTheConnection() throws Exception {
        Path out2 = tmp.resolve("second");
        double before = fx.registry.counter("leo.http.connections").count();
        Curl c = curl(fx.url("file511"), "-o", out2.toString(), fx.url("file513"));
        assertThat(c.exit()).isZero();
        assertThat(c.body()).isEqualTo(fx.bytes("file511"));
        assertThat(Files.readAllBytes(out2)).isEqualTo(fx.bytes("file513"));
        assertThat(fx.registry.counter("leo.http.connections").count() - before).isEqualTo(1.0);
    }
}
