package org.leo.appliance.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.leo.boot.manifest.ManifestTool;

/**
 * {@code leo flash} into a regular file that stands in for a card ({@code --force-file}; {@link FlashLoopDeviceTest}
 * does the same against a real loop device as root): a signed image is written and verified, a tampered image, a
 * foreign signature, a missing entry and a too-small target are refused before anything is written, a byte changed
 * on the target afterwards fails {@code --verify-only} with exit 1, and the options that make no sense are usage errors.
 */
class FlashCommandTest {
    static final int LENGTH = (3 << 20) + 123; // not a whole number of blocks: the read-back hashes exactly this much

    @TempDir
    Path dir;

    private Path card(long size) throws Exception {
        Path card = dir.resolve("card.img");
        try (var f = new java.io.RandomAccessFile(card.toFile(), "rw")) {
            f.setLength(size);
        }
        return card;
    }

    private static boolean allZero(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    @Test
    void aSignedImageIsWrittenReadBackWithODirectAndVerified() throws Exception {
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 1);
        Path card = card(8 << 20);
        AttestCommandTest.Run run = AttestCommandTest.leo(f.args(card, "--force-file"));
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("verified: " + card + " holds leo-appliance.img (" + LENGTH + " bytes, sha256 ")
                .contains("of image 'leo-appliance-test', signed by ").contains("; wrote 3.0 MiB in ").contains("; read back with O_DIRECT in ");
        assertThat(run.err()).contains("manifest: image 'leo-appliance-test', signed by ").contains("writing leo-appliance.img to " + card)
                .contains("wrote 3.0 MiB in ").contains("read back " + LENGTH + " bytes (O_DIRECT): sha256 ").contains(", as the signed manifest says");
        byte[] written = Files.readAllBytes(card);
        assertThat(Arrays.copyOf(written, LENGTH)).isEqualTo(Files.readAllBytes(f.image()));
        assertThat(Arrays.copyOfRange(written, LENGTH, written.length)).as("the rest of the card is untouched").containsOnly(0);
        assertThat(written).hasSize(8 << 20);

        JsonNode json = new ObjectMapper().readTree(AttestCommandTest.leo(f.args(card, "--force-file", "--json")).out());
        assertThat(json.get("mode").asText()).isEqualTo("flash");
        assertThat(json.get("outcome").asText()).isEqualTo("verified");
        assertThat(json.get("size").asLong()).isEqualTo(LENGTH);
        assertThat(json.get("deviceSha256").asText()).isEqualTo(json.get("sha256").asText());
        assertThat(json.get("readBack").asText()).isEqualTo("O_DIRECT");
        assertThat(json.get("written").asLong()).isEqualTo(LENGTH);
        assertThat(json.get("deviceName").isNull()).isTrue();
    }

    @Test
    void aTamperedImageIsRefusedBeforeAnythingIsWritten() throws Exception {
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 2);
        FlashFixture.flipByte(f.image(), 1000);
        Path card = card(8 << 20);
        AttestCommandTest.Run run = AttestCommandTest.leo(f.args(card, "--force-file"));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).containsPattern("leo flash: refused, nothing was written: the image .*leo-appliance.img has SHA-256 [0-9a-f]{64}, "
                + "its signed manifest says [0-9a-f]{64}\n");
        assertThat(allZero(card)).isTrue();

        Files.write(f.image(), new byte[] {1, 2, 3});
        assertThat(AttestCommandTest.leo(f.args(card, "--force-file")).err())
                .contains("leo-appliance.img has 3 bytes, its signed manifest says " + LENGTH);
        assertThat(allZero(card)).isTrue();
    }

    @Test
    void aForeignSignatureAMissingEntryAndATooSmallCardAreRefused() throws Exception {
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 3);
        Path card = card(8 << 20);
        ManifestTool.KeyFiles other = ManifestTool.generateKeyPair(dir.resolve("other"));
        String[] foreign = f.args(card, "--force-file");
        foreign[4] = other.publicKey().toString();
        AttestCommandTest.Run run = AttestCommandTest.leo(foreign);
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("is not signed by the key in " + other.publicKey());

        run = AttestCommandTest.leo(f.args(card, "--force-file", "--entry", "other.img"));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("lists no 'other.img' (it lists: leo-appliance.img; --entry names another)");

        Path small = dir.resolve("small.img");
        Files.write(small, new byte[1 << 20]);
        run = AttestCommandTest.leo(f.args(small, "--force-file", "--json"));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("refused, nothing was written: the image (3.0 MiB, " + LENGTH + " bytes) is larger than " + small
                + " (1.0 MiB, 1048576 bytes)");
        JsonNode json = new ObjectMapper().readTree(run.out());
        assertThat(json.get("outcome").asText()).isEqualTo("refused");
        assertThat(json.get("reasons")).hasSize(1);

        run = AttestCommandTest.leo(f.args(card));
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains(card + " is a regular file, not a block device (--force-file writes into a regular file, for tests");
        run = AttestCommandTest.leo(f.args(dir.resolve("nothing")));
        assertThat(run.err()).contains("no such device " + dir.resolve("nothing"));
        assertThat(AttestCommandTest.leo(f.args(f.image(), "--force-file")).err()).contains("is the image itself");
        assertThat(allZero(card)).isTrue();
    }

    @Test
    void aByteChangedOnTheCardAfterwardsFailsVerifyOnly() throws Exception {
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 4);
        Path card = card(8 << 20);
        assertThat(AttestCommandTest.leo(f.args(card, "--force-file")).status()).isZero();
        AttestCommandTest.Run ok = AttestCommandTest.leo(f.args(card, "--force-file", "--verify-only"));
        assertThat(ok.status()).as(ok.err()).isZero();
        assertThat(ok.out()).startsWith("verified: ").doesNotContain("wrote");

        FlashFixture.flipByte(card, LENGTH + 10); // past the image: not part of what is verified
        assertThat(AttestCommandTest.leo(f.args(card, "--force-file", "--verify-only")).status()).isZero();
        FlashFixture.flipByte(card, LENGTH - 1); // the image's last byte
        AttestCommandTest.Run bad = AttestCommandTest.leo(f.args(card, "--force-file", "--verify-only", "--json"));
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).containsPattern("leo flash: " + card + " does not hold the image: its first " + LENGTH
                + " bytes have SHA-256 [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}\n");
        JsonNode json = new ObjectMapper().readTree(bad.out());
        assertThat(json.get("outcome").asText()).isEqualTo("mismatch");
        assertThat(json.get("mode").asText()).isEqualTo("verify-only");
        assertThat(json.get("written").asLong()).isZero();
    }

    @Test
    void aDryRunWritesNothingAndExclusiveModesAreAUsageError() throws Exception {
        FlashFixture f = FlashFixture.make(dir, "leo-appliance.img", LENGTH, 5);
        Path card = card(8 << 20);
        AttestCommandTest.Run dry = AttestCommandTest.leo(f.args(card, "--force-file", "--dry-run"));
        assertThat(dry.status()).as(dry.err()).isZero();
        assertThat(dry.out()).startsWith("checked: " + card + " may be written with leo-appliance.img").endsWith("; nothing was written (--dry-run)\n");
        assertThat(allZero(card)).isTrue();

        AttestCommandTest.Run both = AttestCommandTest.leo(f.args(card, "--force-file", "--dry-run", "--verify-only"));
        assertThat(both.status()).isEqualTo(2);
        assertThat(both.err()).contains("leo flash: --dry-run and --verify-only exclude each other\nTry 'leo flash --help' for more information.");
        assertThat(AttestCommandTest.leo("flash", "--image", f.image().toString()).status()).isEqualTo(2);
    }
}
