package org.leo.boot.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ManifestParserTest {
    private static final String SIG = "ed25519-signature: " + "A".repeat(86) + "==\n";
    private static final String HEAD = "leo-boot-manifest v1\nimage-id: img\ncreated-at: 2026-11-22T02:00:00Z\n";
    private static final String SHA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void signedManifestRoundTripsAndVerifies() throws Exception {
        SignedManifest signed = SignedManifest.sign(TestKeys.sample(), TestKeys.KEY);
        byte[] file = signed.encode();
        String text = new String(file, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("leo-boot-manifest v1\nimage-id: leo-hpc 2026.11 test\ncreated-at: 2026-11-22T02:00:00Z\nentries: 3\n"
                + "0".repeat(64) + "  1  efi/boot/bootx64.efi\n"
                + SHA + "  0  initrd.img\n"
                + "a".repeat(64) + "  8123456  vmlinuz\n"
                + "ed25519-signature: ");
        assertThat(text).hasLineCount(8).endsWith("\n");
        SignedManifest parsed = ManifestParser.parse(file);
        assertThat(parsed).isEqualTo(signed);
        assertThat(parsed.encode()).isEqualTo(file);
        assertThat(parsed.verify(TestKeys.KEY.generatePublicKey())).isTrue();
        assertThat(parsed.verify(TestKeys.random().generatePublicKey())).isFalse();
        assertThat(parsed.manifest().entry("initrd.img")).get().extracting(ManifestEntry::size).isEqualTo(0L);
    }

    @Test
    void aChangedByteBreaksTheSignature() throws Exception {
        byte[] file = SignedManifest.sign(TestKeys.sample(), TestKeys.KEY).encode();
        String text = new String(file, StandardCharsets.US_ASCII).replace("8123456", "8123457");
        assertThat(ManifestParser.parse(text.getBytes(StandardCharsets.US_ASCII)).verify(TestKeys.KEY.generatePublicKey())).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|manifest is empty",
        "leo-boot-manifest v2\\n|line 1: expected 'leo-boot-manifest v1'",
        "leo-boot-manifest v1|line 1: missing final newline",
        "leo-boot-manifest v1\\r\\n|line 1: byte 0x0d not allowed (printable ASCII and LF only)",
        "leo-boot-manifest v1\\n|line 2: manifest ends before the 'image-id:' line",
        "leo-boot-manifest v1\\nimage: x\\n|line 2: expected 'image-id:'",
        "leo-boot-manifest v1\\nimage-id:  x\\n|line 2: image id must not start or end with a space",
        "leo-boot-manifest v1\\nimage-id: \\n|line 2: image id must be 1..128 characters",
        "leo-boot-manifest v1\\nimage-id: x\\ncreated-at: yesterday\\n|line 3: created-at is not a UTC instant like 2026-01-31T12:00:00Z",
        "leo-boot-manifest v1\\nimage-id: x\\ncreated-at: 2026-11-22T02:00:00.5Z\\n|line 3: created-at is not in canonical form (whole seconds, 'Z')",
        "HEAD|line 4: manifest ends before the 'entries:' line",
        "HEADentries: -1\\n|line 4: entry count is not a decimal number",
        "HEADentries: 01\\n|line 4: entry count has a leading zero",
        "HEADentries: 99999\\n|line 4: entry count must be 1..4 decimal digits",
        "HEADentries: 4097\\n|line 4: entry count 4097 exceeds 4096",
        "HEADentries: 1\\n|line 5: manifest ends before entry 1 of 1",
        "HEADentries: 1\\nSHA 0  a\\n|line 5: expected '<sha256>  <size>  <path>'",
        "HEADentries: 1\\nSHA  0 a\\n|line 5: expected '<sha256>  <size>  <path>'",
        "HEADentries: 1\\nSHX  0  a\\n|line 5: digest is not 64 lower-case hex digits",
        "HEADentries: 1\\nSHA  00  a\\n|line 5: size has a leading zero",
        "HEADentries: 1\\nSHA  1073741825  a\\n|line 5: size exceeds 1073741824",
        "HEADentries: 1\\nSHA  12345678901  a\\n|line 5: size must be 1..10 decimal digits",
        "HEADentries: 1\\nSHA  1  ../etc/passwd\\n|line 5: '..' in file name",
        "HEADentries: 1\\nSHA  1  /vmlinuz\\n|line 5: absolute file name",
        "HEADentries: 1\\nSHA  1  a//b\\n|line 5: empty segment in file name",
        "HEADentries: 1\\nSHA  1  a b\\n|line 5: character U+0020 not allowed in file name",
        "HEADentries: 2\\nSHA  1  b\\nSHA  1  a\\n|line 6: entries not sorted by path",
        "HEADentries: 2\\nSHA  1  a\\nSHA  1  a\\n|line 6: duplicate path",
        "HEADentries: 0\\n|line 5: manifest ends before the signature line",
        "HEADentries: 0\\nsignature: x\\n|line 5: expected 'ed25519-signature:'",
        "HEADentries: 0\\ned25519-signature: AAAA\\n|line 5: signature is not 64 bytes of canonical base64",
        "HEADentries: 0\\nSIGextra\\n|line 6: unexpected line after the signature",
    })
    void malformedManifestsGetExactMessages(String input, String message) {
        String text = input.replace("\\n", "\n").replace("\\r", "\r")
                .replace("HEAD", HEAD).replace("SHX", "E" + SHA.substring(1)).replace("SHA", SHA).replace("SIG", SIG);
        assertThatThrownBy(() -> ManifestParser.parse(text.getBytes(StandardCharsets.ISO_8859_1)))
                .isInstanceOf(ManifestFormatException.class).hasMessage(message);
    }

    @Test
    void capsAreEnforcedBeforeParsing() {
        byte[] big = new byte[ManifestParser.MAX_FILE_BYTES + 1];
        Arrays.fill(big, (byte) 'a');
        assertThatThrownBy(() -> ManifestParser.parse(big)).hasMessage("manifest is larger than 1048576 bytes");
        byte[] longLine = ("leo-boot-manifest v1\n" + "x".repeat(ManifestParser.MAX_LINE_LENGTH + 1) + "\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> ManifestParser.parse(longLine)).hasMessage("line 2: longer than 512 characters");
        byte[] nonAscii = (HEAD.replace("img", "im\u00e9")).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ManifestParser.parse(nonAscii)).hasMessage("line 2: byte 0xc3 not allowed (printable ASCII and LF only)");
    }
}
