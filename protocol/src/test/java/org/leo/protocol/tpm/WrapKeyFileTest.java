package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WrapKeyFile}: the public half of a wrap key in a file. Public areas here are the wrap key
 * template with a JCA-made RSA-2048 modulus as unique, as a TPM returns it; {@code WrapKeyTpmTest}
 * checks the file of a real swtpm's key.
 */
class WrapKeyFileTest {
    /** The wrap key template's TPMT_PUBLIC up to unique (WrapKeyTemplateTest pins it). */
    static final String TEMPLATE_HEAD = "0001" + "000b" + "00020072" + "0000" + "0010" + "0017000b" + "0800" + "00000000";

    /** A TPMT_PUBLIC of the wrap key template's shape over a fresh RSA-2048 key, as the TPM would return it. */
    static byte[] publicArea() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        byte[] n = ((RSAPublicKey) g.generateKeyPair().getPublic()).getModulus().toByteArray();
        byte[] modulus = Arrays.copyOfRange(n, n.length - 256, n.length);
        return HexFormat.of().parseHex(TEMPLATE_HEAD + "0100" + HexFormat.of().formatHex(modulus));
    }

    @Test
    void aFileRoundTripsToTheSameKeyNameAndFingerprint(@TempDir Path dir) throws Exception {
        byte[] area = publicArea();
        WrapKey key = WrapKey.fromPublicArea(area);
        assertThat(key.name()).startsWith(0x00, 0x0B).endsWith(MessageDigest.getInstance("SHA-256").digest(area));
        Path file = dir.resolve("capsule-wrap-key.pub");
        assertThat(WrapKeyFile.writeIfChanged(file, key)).isTrue();
        assertThat(Files.readString(file)).isEqualTo(WrapKeyFile.HEADER + "\nfingerprint " + key.fingerprint() + "\ntpmt-public "
                + HexFormat.of().formatHex(area) + "\n");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        WrapKey read = WrapKeyFile.read(file);
        assertThat(read).isEqualTo(key);
        assertThat(read.fingerprint()).isEqualTo(key.fingerprint());
        assertThat(read.name()).isEqualTo(key.name());
    }

    @Test
    void theFileIsRewrittenOnlyWhenTheKeyChanged(@TempDir Path dir) throws Exception {
        WrapKey first = WrapKey.fromPublicArea(publicArea());
        Path file = dir.resolve("capsule-wrap-key.pub");
        assertThat(WrapKeyFile.writeIfChanged(file, first)).isTrue();
        assertThat(WrapKeyFile.writeIfChanged(file, first)).as("the same key again").isFalse();
        WrapKey second = WrapKey.fromPublicArea(publicArea());
        assertThat(WrapKeyFile.writeIfChanged(file, second)).isTrue();
        assertThat(WrapKeyFile.read(file)).isEqualTo(second);
        assertThat(dir).isDirectoryContaining(p -> p.equals(file)).satisfies(d -> assertThat(Files.list(d).count()).isEqualTo(1));
    }

    @Test
    void aTruncatedFileIsRefused() throws Exception {
        byte[] good = WrapKeyFile.format(WrapKey.fromPublicArea(publicArea())).getBytes(StandardCharsets.US_ASCII);
        assertThat(refusal(Arrays.copyOf(good, good.length - 1))).isEqualTo("a wrap key file ends with a line feed, this one does not (truncated?)");
        // cut inside the hex, keeping the line feed: the TPMT_PUBLIC ends inside the modulus
        byte[] cut = Arrays.copyOf(good, good.length - 20);
        cut[cut.length - 1] = '\n';
        assertThat(refusal(cut)).startsWith("line 3: TPMT_PUBLIC ");
        assertThat(refusal(new byte[0])).isEqualTo("a wrap key file ends with a line feed, this one does not (truncated?)");
        assertThat(refusal((WrapKeyFile.HEADER + "\n").getBytes(StandardCharsets.US_ASCII))).isEqualTo("a wrap key file has 3 lines, this one 1");
    }

    @Test
    void trailingBytesAreRefused() throws Exception {
        WrapKey key = WrapKey.fromPublicArea(publicArea());
        String good = WrapKeyFile.format(key);
        assertThat(refusal((good + "x\n").getBytes(StandardCharsets.US_ASCII))).isEqualTo("a wrap key file has 3 lines, this one 4");
        assertThat(refusal(good.replace("\n", "\r\n").getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("a wrap key file is printable ASCII lines, this one has the byte 0x0d");
        // two more bytes inside the TPMT_PUBLIC, after the modulus
        assertThat(refusal(good.substring(0, good.length() - 1).concat("00\n").getBytes(StandardCharsets.US_ASCII)))
                .startsWith("line 3: TPMT_PUBLIC ").contains("after unique.rsa");
        byte[] huge = new byte[WrapKeyFile.MAX_FILE_BYTES + 1];
        assertThat(refusal(huge)).isEqualTo("a wrap key file has at most 4096 bytes, this one 4097");
    }

    @Test
    void aKeyOfAnotherShapeThanTheTemplateIsRefused() throws Exception {
        String modulus = HexFormat.of().formatHex(publicArea()).substring(TEMPLATE_HEAD.length());
        String[][] cases = {
            // a restricted signing key (an attestation key's attributes) with RSASSA
            {"0001000b00050072" + "0000" + "0010" + "0014000b" + "0800" + "00000000" + modulus, "objectAttributes 0x00050072"},
            // decrypt and sign
            {"0001000b00060072" + "0000" + "0010" + "0017000b" + "0800" + "00000000" + modulus, "objectAttributes 0x00060072"},
            // not fixedTPM: the private part could be duplicated out of the TPM
            {"0001000b00020070" + "0000" + "0010" + "0017000b" + "0800" + "00000000" + modulus, "objectAttributes 0x00020070"},
            // the decryption scheme left open (TPM_ALG_NULL): a raw RSA oracle
            {"0001000b00020072" + "0000" + "0010" + "0010" + "0800" + "00000000" + modulus, "scheme null-"},
            // OAEP with SHA-1
            {"0001000b00020072" + "0000" + "0010" + "00170004" + "0800" + "00000000" + modulus, "scheme oaep-sha1"},
            // a policy
            {"0001000b00020072" + "0020" + "00".repeat(32) + "0010" + "0017000b" + "0800" + "00000000" + modulus, "32-byte authPolicy"},
            // exponent 3
            {"0001000b00020072" + "0000" + "0010" + "0017000b" + "0800" + "00000003" + modulus, "exponent 3"},
            // nameAlg SHA-384
            {"0001000c00020072" + "0000" + "0010" + "0017000b" + "0800" + "00000000" + modulus, "nameAlg sha384"},
        };
        for (String[] c : cases) {
            byte[] area = HexFormat.of().parseHex(c[0]);
            assertThatThrownBy(() -> WrapKey.fromPublicArea(area)).as(c[1]).isInstanceOf(TpmFormatException.class)
                    .hasMessageStartingWith("TPMT_PUBLIC is not the wrap key template's: ").hasMessageContaining(c[1]);
            String file = WrapKeyFile.HEADER + "\nfingerprint " + "00".repeat(32) + "\ntpmt-public " + c[0] + "\n";
            assertThat(refusal(file.getBytes(StandardCharsets.US_ASCII))).as(c[1])
                    .startsWith("line 3: TPMT_PUBLIC is not the wrap key template's: ");
        }
        // an ECC key
        byte[] ecc = HexFormat.of().parseHex("0023000b00020072000000100010000300100020" + "11".repeat(32) + "0020" + "22".repeat(32));
        assertThatThrownBy(() -> WrapKey.fromPublicArea(ecc)).hasMessageContaining("ecc-0");
    }

    @Test
    void anAlteredFileIsRefused() throws Exception {
        WrapKey key = WrapKey.fromPublicArea(publicArea());
        String good = WrapKeyFile.format(key);
        String otherArea = HexFormat.of().formatHex(publicArea());
        String swapped = good.replaceAll("tpmt-public [0-9a-f]+", "tpmt-public " + otherArea);
        assertThat(refusal(swapped.getBytes(StandardCharsets.US_ASCII))).startsWith("line 2 says fingerprint " + key.fingerprint())
                .endsWith(": the file was altered");
        assertThat(refusal(good.replace(WrapKeyFile.HEADER, "leo-capsule-wrap-key v2").getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("line 1 is 'leo-capsule-wrap-key v2', expected 'leo-capsule-wrap-key v1'");
        assertThat(refusal(good.replace("tpmt-public ", "tpmt-public A").getBytes(StandardCharsets.US_ASCII)))
                .startsWith("line 3: 'A").endsWith("' is not an even number of lower-case hex digits");
        assertThat(refusal(good.replace("fingerprint ", "fingerprint: ").getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("line 2 is 'fingerprint: " + key.fingerprint().substring(0, 27) + "...', expected 'fingerprint HEX'");
    }

    @Test
    void aFileLargerThanTheCapIsNotRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.pub");
        Files.write(file, new byte[WrapKeyFile.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> WrapKeyFile.read(file)).isInstanceOf(TpmFormatException.class)
                .hasMessage("a wrap key file has at most 4096 bytes, this one 4097");
    }

    @Test
    void theFuzzSeedIsAGoodFile() throws Exception {
        try (var in = getClass().getResourceAsStream("WrapKeyFileFuzzTestInputs/parse/template-shape")) {
            byte[] seed = in.readAllBytes();
            assertThat(WrapKeyFile.format(WrapKeyFile.parse(seed))).isEqualTo(new String(seed, StandardCharsets.US_ASCII));
        }
    }

    static String refusal(byte[] file) {
        try {
            WrapKeyFile.parse(file);
        } catch (TpmFormatException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted: " + new String(file, StandardCharsets.US_ASCII));
    }
}
