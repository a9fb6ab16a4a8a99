package org.leo.image.pe;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the PE parser, the Authenticode hash and the UKI measurements over untrusted bytes: a
 * {@link PeFormatException} with a message naming the structure, or a result within the caps;
 * never another exception. Seeds (resources ...PeImageFuzzTestInputs/) are tiny images made by
 * {@link TinyPe}: a PE32+ image ({@link TinyPe#standard()}), a PE32 one with a Certificate Table,
 * and a UKI that {@link UkiBuilder} made of a TinyPe stub and kernel.
 */
class PeImageFuzzTest {
    static final Path SEEDS = Path.of("src/test/resources/org/leo/image/pe/PeImageFuzzTestInputs/parseAndHash");

    @Test
    void theSeedsAreTinyImagesThatParse() throws Exception {
        assertThat(Files.readAllBytes(SEEDS.resolve("tiny-pe32plus"))).isEqualTo(TinyPe.standard());
        assertThat(PeImage.parse(Files.readAllBytes(SEEDS.resolve("tiny-pe32-signed"))).magic()).isEqualTo(PeImage.PE32);
        assertThat(UkiMeasurements.of(PeImage.parse(Files.readAllBytes(SEEDS.resolve("tiny-uki")))).pcr11Events()).hasSize(4);
    }

    @FuzzTest(maxDuration = "30s")
    void parseAndHash(byte[] input) {
        PeImage pe;
        try {
            pe = PeImage.parse(input);
        } catch (PeFormatException e) {
            assertThat(e.getMessage()).startsWith("PE ");
            return;
        }
        assertThat(pe.numberOfSections()).isLessThanOrEqualTo(PeImage.MAX_SECTIONS);
        assertThat(pe.dataDirectories().size()).isLessThanOrEqualTo(PeImage.MAX_DATA_DIRECTORIES);
        assertThat(pe.sizeOfHeaders()).isLessThanOrEqualTo(input.length);
        try {
            assertThat(Authenticode.sha256(pe)).hasSize(32);
        } catch (PeFormatException e) {
            assertThat(e.getMessage()).startsWith("Authenticode: ");
        }
        try {
            UkiMeasurements m = UkiMeasurements.of(pe);
            assertThat(m.pcr11Events()).isNotEmpty();
            assertThat(m.toText()).startsWith("pcr4 authenticode ");
        } catch (PeFormatException e) {
            assertThat(e.getMessage()).matches("(UKI|Authenticode|PE).*");
        }
    }
}
