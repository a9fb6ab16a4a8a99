package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.leo.boot.events.BootSession;
import org.leo.boot.events.SqliteBootEventLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole HTTP boot as iPXE does it (script, then kernel and initrd named in the script), with
 * the real SQLite event log: the recorded session ties the MAC, the nonce in the script and the
 * digests of what was sent, which must be the manifest's.
 */
class HttpBootSessionTest {
    @TempDir
    Path tmp;

    @Test
    void sessionRecordsNonceAndServedDigests() throws Exception {
        try (SqliteBootEventLog log = SqliteBootEventLog.open(tmp.resolve("events.db"));
             HttpFixture fx = new HttpFixture(tmp, Duration.ofSeconds(10), log)) {
            HttpClient client = HttpClient.newHttpClient();
            String script = client.send(HttpRequest.newBuilder(URI.create(fx.url("boot.ipxe"))).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII)).body();
            Matcher kernel = Pattern.compile("(?m)^kernel (\\S+) .*leo\\.nonce=([0-9a-f]{64}) ").matcher(script);
            Matcher initrd = Pattern.compile("(?m)^initrd (\\S+)$").matcher(script);
            assertThat(kernel.find()).isTrue();
            assertThat(initrd.find()).isTrue();
            for (String url : new String[] {kernel.group(1), initrd.group(1)}) {
                HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.statusCode()).isEqualTo(200);
            }
            fx.nextFinished();
            fx.nextFinished();
            fx.nextFinished();
            BootSession s = log.latestBoot(HttpFixture.MAC).orElseThrow();
            assertThat(s.nonce()).isEqualTo(kernel.group(2));
            // each "finished" is recorded once its last byte is flushed, on the transfer's channel: the client may have read
            // both files before the first is recorded, so the two can be recorded in either order
            assertThat(s.servedFiles()).containsOnly(
                    Map.entry("vmlinuz", fx.sha("vmlinuz")), Map.entry("initrd.img", fx.sha("initrd.img")));
            assertThat(s.refusals()).isEmpty();
            assertThat(s.events()).allSatisfy(e -> assertThat(e.event().bootNonce()).isEqualTo(s.nonce()));
        }
    }
}
