package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wrap key against tpm2-tools and openssl, both ways: {@code tpm2_createprimary} with the same
 * template derives the same key (byte-equal public area), {@code tpm2_rsadecrypt -l} opens what
 * {@link WrapKey#wrap} wrapped, and {@link Tpm#unwrap} opens what {@code tpm2_rsaencrypt -l} and
 * {@code openssl pkeyutl} (an independent OAEP, label given with its zero byte) wrapped. swtpm
 * takes one connection at a time: our {@link Tpm} is closed whenever the tools run.
 */
@Tag("system")
class WrapKeyCrossCheckTest {
    /** tpm2_createprimary's template for the wrap key: the attributes, scheme and size of {@link WrapKeyTemplate}. */
    private static final String[] CREATE_PRIMARY = {"tpm2_createprimary", "-Q", "-C", "o", "-g", "sha256",
            "-G", "rsa2048:oaep-sha256:null", "-a", "fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt", "-c", "key.ctx"};

    @TempDir
    Path work;
    private SwtpmProcess swtpm;
    private Tpm2Tools tools;
    private final SecureRandom random = new SecureRandom();

    @BeforeEach
    void startSwtpm() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm and swtpm_ioctl are not on the PATH (apt-get install swtpm swtpm-tools)");
        assumeTrue(SwtpmProcess.onPath("tpm2_createprimary") && SwtpmProcess.onPath("tpm2_rsadecrypt")
                && SwtpmProcess.onPath("tpm2_rsaencrypt"), "tpm2-tools are not on the PATH (apt-get install tpm2-tools)");
        swtpm = SwtpmProcess.start();
        tools = new Tpm2Tools(swtpm.tcti(), work);
    }

    @AfterEach
    void stopSwtpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void tpm2CreateprimaryWithTheSameTemplateDerivesTheSameKey() throws Exception {
        WrapKey ours = wrapKey();
        createPrimaryWithTools(true);
        tools.ok("tpm2_readpublic", "-Q", "-c", "key.ctx", "-o", "key.pub", "-n", "key.name");
        tools.ok("tpm2_flushcontext", "-t");
        byte[] tpm2bPublic = Files.readAllBytes(work.resolve("key.pub"));
        assertThat(Arrays.copyOfRange(tpm2bPublic, 2, tpm2bPublic.length)).isEqualTo(ours.publicArea());
        assertThat(Files.readAllBytes(work.resolve("key.name"))).isEqualTo(ours.name());
    }

    @Test
    void theUniqueLabelMakesTheKeyOursAlone() throws Exception {
        WrapKey ours = wrapKey();
        createPrimaryWithTools(false);
        tools.ok("tpm2_readpublic", "-Q", "-c", "key.ctx", "-o", "key.pub");
        tools.ok("tpm2_flushcontext", "-t");
        byte[] tpm2bPublic = Files.readAllBytes(work.resolve("key.pub"));
        byte[] theirs = Arrays.copyOfRange(tpm2bPublic, 2, tpm2bPublic.length);
        int header = theirs.length - 2 - WrapKey.WRAPPED_BYTES; // everything before unique.rsa (size and modulus)
        assertThat(Arrays.copyOf(theirs, header)).as("the same template up to unique").isEqualTo(Arrays.copyOf(ours.publicArea(), header));
        assertThat(TpmPublic.parse(theirs).unique()).isNotEqualTo(TpmPublic.parse(ours.publicArea()).unique());
    }

    @Test
    void tpm2RsadecryptOpensWhatJcaWrapped() throws Exception {
        WrapKey key = wrapKey();
        byte[] secret = randomBytes(32);
        Files.write(work.resolve("wrapped.bin"), key.wrap(secret));
        createPrimaryWithTools(true);
        tools.ok("tpm2_rsadecrypt", "-c", "key.ctx", "-s", "oaep", "-l", WrapKey.LABEL, "-o", "unwrapped.bin", "wrapped.bin");
        tools.ok("tpm2_flushcontext", "-t");
        assertThat(Files.readAllBytes(work.resolve("unwrapped.bin"))).isEqualTo(secret);
    }

    @Test
    void tpmUnwrapOpensWhatTpm2RsaencryptWrapped() throws Exception {
        byte[] secret = randomBytes(32);
        Files.write(work.resolve("secret.bin"), secret);
        createPrimaryWithTools(true);
        tools.ok("tpm2_rsaencrypt", "-c", "key.ctx", "-s", "oaep", "-l", WrapKey.LABEL, "-o", "wrapped.bin", "secret.bin");
        tools.ok("tpm2_flushcontext", "-t");
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.unwrap(Files.readAllBytes(work.resolve("wrapped.bin")))).isEqualTo(secret);
        }
    }

    @Test
    void tpmUnwrapOpensWhatOpensslWrappedWithTheLabelAndItsZeroByte() throws Exception {
        assumeTrue(SwtpmProcess.onPath("openssl"), "openssl is not on the PATH");
        WrapKey key = wrapKey();
        byte[] secret = randomBytes(32);
        Files.write(work.resolve("secret.bin"), secret);
        Files.writeString(work.resolve("key.pem"), key.pem());
        String labelHex = HexFormat.of().formatHex((WrapKey.LABEL + "\0").getBytes(StandardCharsets.US_ASCII));
        new Tpm2Tools(null, work).ok("openssl", "pkeyutl", "-encrypt", "-pubin", "-inkey", "key.pem", "-in", "secret.bin",
                "-out", "wrapped.bin", "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                "-pkeyopt", "rsa_mgf1_md:sha256", "-pkeyopt", "rsa_oaep_label:" + labelHex);
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.unwrap(Files.readAllBytes(work.resolve("wrapped.bin")))).isEqualTo(secret);
        }
    }

    private WrapKey wrapKey() throws TpmException {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            return tpm.wrapKeyPublic();
        }
    }

    /**
     * tpm2_createprimary with our template; {@code -u} takes the unique field as a TPMU_PUBLIC_ID
     * file whose size field is little-endian (tpm2_createprimary(1)).
     */
    private void createPrimaryWithTools(boolean withUnique) throws Exception {
        if (!withUnique) {
            tools.ok(CREATE_PRIMARY);
            return;
        }
        byte[] unique = WrapKeyTemplate.UNIQUE.getBytes(StandardCharsets.US_ASCII);
        Files.write(work.resolve("unique.bin"), ByteBuffer.allocate(2 + unique.length).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) unique.length).put(unique).array());
        String[] command = Arrays.copyOf(CREATE_PRIMARY, CREATE_PRIMARY.length + 2);
        command[CREATE_PRIMARY.length] = "-u";
        command[CREATE_PRIMARY.length + 1] = "unique.bin";
        tools.ok(command);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }
}
