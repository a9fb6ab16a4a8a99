package org.leo.boot.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the manifest parser: it throws nothing but {@link ManifestFormatException}, and an
 * accepted input re-encodes to the identical bytes (one canonical form).
 */
class ManifestParserFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void fuzzParse(byte[] input) {
        SignedManifest parsed;
        try {
            parsed = ManifestParser.parse(input);
        } catch (ManifestFormatException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(parsed.encode()).isEqualTo(input);
        assertThat(parsed.manifest().entries().size()).isLessThanOrEqualTo(BootManifest.MAX_ENTRIES);
    }
}
