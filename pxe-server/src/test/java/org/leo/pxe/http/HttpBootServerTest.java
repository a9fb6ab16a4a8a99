package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.leo.boot.events.BootEvent;
import org.leo.boot.events.BootStage;
import org.leo.boot.events.Protocol;
import org.leo.boot.manifest.Sha256;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HttpBootServerTest {
    @TempDir
    static Path tmp;
    static HttpFixture fx;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        fx = new HttpFixture(tmp, Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        fx.close();
    }

    @BeforeEach
    void drain() throws InterruptedException {
        fx.awaitQuiet();
        fx.finished.clear();
        fx.events.clear();
    }

    static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.url(path)));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @ParameterizedTest
    @ValueSource(strings = {"file0", "file1", "file511", "file512", "file513", "big.img", "efi/boot/bootx64.efi"})
    void fullGetSendsExactlyTheManifestBytes(String name) throws Exception {
        HttpResponse<byte[]> r = get(name);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Sha256.hex(r.body())).isEqualTo(fx.sha(name));
        assertThat(r.headers().firstValueAsLong("content-length")).hasValue(fx.manifest.entry(name).get().size());
        assertThat(r.headers().firstValue("accept-ranges")).hasValue("bytes");
        assertThat(r.headers().firstValue("etag")).hasValue("\"" + fx.sha(name) + "\"");
        HttpFixture.Finished f = fx.nextFinished();
        assertThat(f.request().protocol()).isEqualTo(Protocol.HTTP);
        assertThat(f.result().complete()).isTrue();
        assertThat(f.result().bytesSent()).isEqualTo(r.body().length);
        assertThat(f.result().sentSha256Hex()).isEqualTo(fx.sha(name));
        assertThat(fx.events).last().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.FILE_SERVED);
            assertThat(e.sha256Hex()).isEqualTo(fx.sha(name));
            assertThat(e.mac()).contains(HttpFixture.MAC);
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "bytes=0-99|0|99",
        "bytes=500-|500|512",
        "bytes=-10|503|512",
        "bytes=512-512|512|512",
        "bytes=100-99999|100|512",
        "bytes=-9999|0|512",
    })
    void singleRangeIs206(String range, int first, int last) throws Exception {
        HttpResponse<byte[]> r = get("file513", "Range", range);
        assertThat(r.statusCode()).isEqualTo(206);
        assertThat(r.headers().firstValue("content-range")).hasValue("bytes " + first + "-" + last + "/513");
        byte[] expected = Arrays.copyOfRange(fx.bytes("file513"), first, last + 1);
        assertThat(r.body()).isEqualTo(expected);
        HttpFixture.Finished f = fx.nextFinished();
        assertThat(f.result().complete()).isTrue();
        assertThat(f.result().sentSha256Hex()).isEqualTo(Sha256.hex(expected));
        assertThat(f.result().note()).isEqualTo("range " + first + "-" + last + "/513");
        // a range is not the whole artifact (recorded as incomplete, the range in the note) unless it covers all of it
        assertThat(fx.events).last().extracting(BootEvent::stage)
                .isEqualTo(first == 0 && last == 512 ? BootStage.FILE_SERVED : BootStage.FILE_INCOMPLETE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=513-", "bytes=600-700", "bytes=-0"})
    void unsatisfiableRangeIs416(String range) throws Exception {
        HttpResponse<byte[]> r = get("file513", "Range", range);
        assertThat(r.statusCode()).isEqualTo(416);
        assertThat(r.headers().firstValue("content-range")).hasValue("bytes */513");
        assertThat(fx.nextFinished().result().complete()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=x-", "bytes=0-99999999999999999999"})
    void multiOrInvalidRangeIsIgnored(String range) throws Exception {
        HttpResponse<byte[]> r = get("file513", "Range", range);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(fx.bytes("file513"));
    }

    @Test
    void headHasHeadersButNoBody() throws Exception {
        HttpResponse<byte[]> r = CLIENT.send(HttpRequest.newBuilder(URI.create(fx.url("file512")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-length")).hasValue("512");
        assertThat(r.body()).isEmpty();
        HttpFixture.Finished f = fx.nextFinished();
        assertThat(f.result().bytesSent()).isZero();
        assertThat(f.result().note()).isEqualTo("HEAD");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "nothing|404|404 Not Found: nothing: no such file",
        "unlisted.bin|403|403 Forbidden: unlisted.bin: not listed in the boot manifest",
        "zero|403|403 Forbidden: zero: not listed in the boot manifest",
        "%2e%2e/etc/passwd|403|403 Forbidden: '..' in file name: '../etc/passwd'",
        "a%5cb|403|403 Forbidden: backslash in file name: 'a\\u005cb'",
        "efi//boot/bootx64.efi|403|403 Forbidden: empty segment in file name: 'efi//boot/bootx64.efi'",
        "vmlinuz%00|403|403 Forbidden: NUL character in file name: 'vmlinuz\\u0000'",
        "%c3%28|400|400 Bad Request: percent-escapes are not UTF-8",
    })
    void refusalsHaveStatusAndShortText(String path, int status, String body) throws Exception {
        HttpResponse<byte[]> r = get(path);
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo(body + "\n");
        assertThat(fx.finished).isEmpty();
    }

    @Test
    void queryStringIsIgnored() throws Exception {
        HttpResponse<byte[]> r = get("file511?cache=no&x=../../");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(fx.bytes("file511"));
    }

    @Test
    void otherMethodsAre405() throws Exception {
        HttpResponse<byte[]> r = CLIENT.send(HttpRequest.newBuilder(URI.create(fx.url("file1")))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("GET, HEAD");
    }

    @Test
    void scriptOverHttpPointsAtThisServer() throws Exception {
        HttpResponse<byte[]> r = get("boot.ipxe");
        assertThat(r.statusCode()).isEqualTo(200);
        String text = new String(r.body(), StandardCharsets.US_ASCII);
        assertThat(text).startsWith("#!ipxe\n")
                .contains("kernel http://127.0.0.1:" + fx.address.getPort() + "/vmlinuz initrd=initrd.img leo.nonce=")
                .contains("initrd http://127.0.0.1:" + fx.address.getPort() + "/initrd.img\n");
        assertThat(r.headers().firstValue("cache-control")).hasValue("no-store");
        assertThat(fx.events).first().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.SCRIPT_SERVED);
            assertThat(e.sha256Hex()).isEqualTo(Sha256.hex(r.body()));
            assertThat(text).contains("leo.nonce=" + e.bootNonce() + " ");
        });
    }

    // ---- raw socket tests: what HttpClient will not send ----

    static String exchange(String request) throws IOException {
        try (Socket s = new Socket(fx.address.getAddress(), fx.address.getPort())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            s.getInputStream().transferTo(got);
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "GET /../etc/passwd HTTP/1.1|HTTP/1.1 403 Forbidden",
        "GET /efi/../../../etc/passwd HTTP/1.1|HTTP/1.1 403 Forbidden",
        "GET /./file1 HTTP/1.1|HTTP/1.1 403 Forbidden",
        "GET //etc/passwd HTTP/1.1|HTTP/1.1 403 Forbidden",
        "GET \\..\\etc HTTP/1.1|HTTP/1.1 400 Bad Request",
        "GET file1 HTTP/1.1|HTTP/1.1 400 Bad Request",
        "GET http://evil/file1 HTTP/1.1|HTTP/1.1 200 OK",
        "DELETE /file1 HTTP/1.1|HTTP/1.1 405 Method Not Allowed",
        "GARBAGE|HTTP/1.1 400 Bad Request",
        "GET /%ZZ HTTP/1.1|HTTP/1.1 400 Bad Request",
        "GET /file1% HTTP/1.1|HTTP/1.1 400 Bad Request",
        "GET /caf\u00e9 HTTP/1.1|HTTP/1.1 400 Bad Request",
    })
    void rawRequestLines(String line, String statusLine) throws IOException {
        String resp = exchange(line + "\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(resp).startsWith(statusLine + "\r\n");
    }

    @Test
    void overlongRequestLineIs414AndHugeHeadersAre431() throws IOException {
        assertThat(exchange("GET /" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 414 Request-URI Too Long\r\n").contains("connection: close");
        assertThat(exchange("GET /file1 HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(10_000) + "\r\n\r\n"))
                .startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
        assertThat(fx.registry.counter("leo.http.bad.requests").count()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void pipelinedKeepAliveRequestsAreAnsweredInOrder() throws IOException {
        String resp = exchange("GET /file1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"
                + "HEAD /file511 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /file0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        int a = resp.indexOf("HTTP/1.1 200 OK\r\ncontent-length: 1\r\n");
        int b = resp.indexOf("HTTP/1.1 404 Not Found");
        int c = resp.indexOf("HTTP/1.1 200 OK\r\ncontent-length: 511\r\n");
        int d = resp.indexOf("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n");
        assertThat(a).isZero();
        assertThat(b).isGreaterThan(a);
        assertThat(c).isGreaterThan(b);
        assertThat(d).isGreaterThan(c);
        assertThat(resp.substring(d)).contains("connection: close");
    }

    @Test
    void clientClosingEarlyEndsTheTransferIncomplete() throws Exception {
        byte[] head = new byte[1 << 20];
        try (Socket s = new Socket(fx.address.getAddress(), fx.address.getPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write("GET /big.img HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            int n = in.readNBytes(head, 0, head.length);
            assertThat(n).isEqualTo(head.length);
            s.setSoLinger(true, 0); // RST: the server's pending writes fail
        }
        HttpFixture.Finished f = fx.nextFinished();
        assertThat(f.result().complete()).isFalse();
        assertThat(f.result().bytesSent()).isLessThan(HttpFixture.BIG).isPositive();
        assertThat(f.result().bytesSent() % BodyWriter.CHUNK).isZero();
        byte[] prefix = Arrays.copyOf(fx.bytes("big.img"), (int) f.result().bytesSent());
        assertThat(f.result().sentSha256Hex()).isEqualTo(Sha256.hex(prefix));
        assertThat(f.result().note()).startsWith("connection closed after ");
        assertThat(fx.events).last().satisfies(e -> {
            assertThat(e.stage()).isEqualTo(BootStage.FILE_INCOMPLETE);
            assertThat(e.bytes()).isEqualTo(f.result().bytesSent());
        });
    }

    @Test
    void stalledReaderIsClosedByTheIdleTimeout() throws Exception {
        try (Socket s = new Socket(fx.address.getAddress(), fx.address.getPort())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write("GET /big.img HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            // never read: the server's writes stall until the idle timeout closes the connection
            HttpFixture.Finished f = fx.nextFinished();
            assertThat(f.result().complete()).isFalse();
            assertThat(f.result().bytesSent()).isLessThan(HttpFixture.BIG);
        }
        assertThat(fx.registry.counter("leo.http.idle.closed").count()).isGreaterThanOrEqualTo(1);
    }
}
