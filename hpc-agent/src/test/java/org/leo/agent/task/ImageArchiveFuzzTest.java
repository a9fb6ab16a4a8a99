package org.leo.agent.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Jazzer target for the image archive check (tar headers, pax records, manifest and config JSON): an
 * archive comes from the Pi and is untrusted until its digests match. In a normal test run it replays
 * the seeds in {@code ImageArchiveFuzzTestInputs/fuzzArchive/}. Invariants: only
 * {@link SandboxException} escapes, with a message; an accepted archive names a well-formed image id.
 */
class ImageArchiveFuzzTest {
    static final Path SEEDS = Path.of("src/test/resources/org/leo/agent/task/ImageArchiveFuzzTestInputs/fuzzArchive");

    @FuzzTest(maxDuration = "30s")
    void fuzzArchive(byte[] input) throws IOException {
        ImageArchive a;
        try {
            a = ImageArchive.inspect(new ByteArrayInputStream(input));
        } catch (SandboxException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return;
        }
        assertThat(a.imageId()).matches(ImageArchive.DIGEST);
        assertThat(a.layers().size()).isLessThanOrEqualTo(ImageArchive.MAX_LAYERS);
    }
}
