package org.leo.pxe.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.leo.boot.manifest.BootPath;

/** Fuzzes the two parsers of untrusted HTTP fields: Range headers and request targets. */
class HttpParsersFuzzTest {
    /** Never throws; a partial range lies inside the body; unsatisfiable only when nothing fits. */
    @FuzzTest(maxDuration = "20s")
    void fuzzRange(FuzzedDataProvider data) {
        long size = data.consumeLong(0, 1L << 31);
        String header = data.consumeRemainingAsAsciiString();
        ByteRange r = ByteRange.parse(header, size);
        switch (r.kind()) {
            case FULL -> assertThat(r).isEqualTo(new ByteRange(ByteRange.Kind.FULL, 0, size - 1));
            case PARTIAL -> {
                assertThat(r.first()).isBetween(0L, size - 1);
                assertThat(r.last()).isBetween(r.first(), size - 1);
                assertThat(r.length()).isPositive();
            }
            case UNSATISFIABLE -> assertThat(r.length()).isZero();
        }
    }

    /** Only BadTargetException; a decoded name the policy accepts has no '.', '..' or empty segment. */
    @FuzzTest(maxDuration = "20s")
    void fuzzTarget(byte[] input) {
        String uri = new String(input, java.nio.charset.StandardCharsets.ISO_8859_1);
        try {
            String path = RequestTarget.bootPath(uri);
            assertThat(path.length()).isLessThanOrEqualTo(uri.length());
            if (BootPath.isValid(path)) {
                assertThat(path).doesNotContain("\\", "//").doesNotStartWith("/");
                assertThat(path.split("/", -1)).doesNotContain("..", ".", "");
            }
        } catch (RequestTarget.BadTargetException e) {
            assertThat(e.getMessage()).isNotEmpty();
        }
    }
}
