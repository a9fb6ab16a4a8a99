package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wrap key ({@link Tpm#wrapKeyPublic()}, {@link WrapKey#wrap}, {@link Tpm#unwrap}) against a
 * real swtpm: the key is stable, wrapping in JCA and unwrapping in the TPM agree on RSAES-OAEP and
 * the label, and everything that is not a key wrapped to this TPM is refused with a sentence.
 */
@Tag("system")
class WrapKeyTpmTest {
    /** The reference TPM says TPM_RC_VALUE; libtpms, which decrypts with OpenSSL, TPM_RC_FAILURE. */
    private static final String REFUSED = "TPM2_RSA_Decrypt\\(wrap key\\) failed at %s: the TPM refused to unwrap the key with"
            + " TPM_RC_(VALUE|FAILURE): it was not wrapped to this TPM's wrap key \\(%s\\) with label \"leo-capsule-key-v1\", or it was altered";

    private final SecureRandom random = new SecureRandom();
    private SwtpmProcess swtpm;

    @BeforeEach
    void startSwtpm() throws Exception {
        assumeTrue(SwtpmProcess.installed(), "swtpm and swtpm_ioctl are not on the PATH (apt-get install swtpm swtpm-tools)");
        swtpm = SwtpmProcess.start();
    }

    @AfterEach
    void stopSwtpm() {
        if (swtpm != null) {
            swtpm.close();
        }
    }

    @Test
    void theWrapKeyIsTheSameAfterReopenAndAfterATpmRestart() throws Exception {
        WrapKey first;
        long started = System.nanoTime();
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            first = tpm.wrapKeyPublic();
            System.out.printf("wrap key %s, first derivation in swtpm %d ms%n", first.fingerprint(), (System.nanoTime() - started) / 1_000_000);
            assertThat(tpm.wrapKeyPublic()).isEqualTo(first);
        }
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.wrapKeyPublic()).isEqualTo(first);
        }
        swtpm.restart();
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            WrapKey again = tpm.wrapKeyPublic();
            assertThat(again).isEqualTo(first);
            assertThat(again.publicArea()).isEqualTo(first.publicArea());
            assertThat(again.fingerprint()).isEqualTo(first.fingerprint());
            assertThat(again.fingerprint()).isNotEqualTo(AttestationKey.fingerprint(tpm.attestationKey().publicKey()));
        }
        assertThat(first.publicKey().getModulus().bitLength()).isEqualTo(2048);
        assertThat(first.publicKey().getPublicExponent()).isEqualTo(BigInteger.valueOf(65537));
        assertThat(first.name()).hasSize(34).startsWith(0x00, 0x0B)
                .endsWith(MessageDigest.getInstance("SHA-256").digest(first.publicArea()));
        assertThat(first.fingerprint()).hasSize(64)
                .isEqualTo(hex(MessageDigest.getInstance("SHA-256").digest(first.publicKey().getEncoded())));
        assertThat(first.pem()).startsWith("-----BEGIN PUBLIC KEY-----\n").endsWith("-----END PUBLIC KEY-----\n");
    }

    @Test
    void aKeyWrappedToTheWrapKeyFileUnwrapsInTheTpm(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("capsule-wrap-key.pub");
        WrapKey fromTpm;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            fromTpm = tpm.wrapKeyPublic();
            assertThat(WrapKeyFile.writeIfChanged(file, fromTpm)).isTrue();
        }
        WrapKey fromFile = WrapKeyFile.read(file);
        assertThat(fromFile).isEqualTo(fromTpm);
        assertThat(fromFile.fingerprint()).isEqualTo(fromTpm.fingerprint());
        assertThat(fromFile.name()).isEqualTo(fromTpm.name());
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        byte[] wrapped = fromFile.wrap(secret); // no TPM open while wrapping
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            assertThat(tpm.unwrap(wrapped)).isEqualTo(secret);
            assertThat(WrapKeyFile.writeIfChanged(file, tpm.wrapKeyPublic())).as("the same key: the file stays").isFalse();
        }
    }

    @Test
    void aWrappedKeyUnwrapsAfterATpmRestartAndSecretsOfEverySizeRoundTrip() throws Exception {
        byte[] aesKey = randomBytes(32);
        byte[] wrapped;
        WrapKey key;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            key = tpm.wrapKeyPublic();
            wrapped = key.wrap(aesKey);
            assertThat(wrapped).hasSize(WrapKey.WRAPPED_BYTES);
            assertThat(key.wrap(aesKey)).as("OAEP is randomized").isNotEqualTo(wrapped);
            for (int size : new int[] {1, 16, 32, 64, WrapKey.MAX_SECRET_BYTES}) {
                byte[] secret = randomBytes(size);
                assertThat(tpm.unwrap(WrapKey.wrap(key.publicKey(), secret))).as("%d bytes", size).isEqualTo(secret);
            }
        }
        swtpm.restart();
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            long started = System.nanoTime();
            assertThat(tpm.unwrap(wrapped)).isEqualTo(aesKey);
            System.out.printf("unwrap (derive the key, TPM2_RSA_Decrypt, flush) in swtpm: %d ms%n", (System.nanoTime() - started) / 1_000_000);
        }
        assertThatThrownBy(() -> key.wrap(new byte[WrapKey.MAX_SECRET_BYTES + 1])).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("secret: expected 1..190 bytes, got 191");
        assertThatThrownBy(() -> key.wrap(new byte[0])).hasMessage("secret: expected 1..190 bytes, got 0");
    }

    @Test
    void aKeyWrappedToAnotherTpmIsRefusedAndTheConnectionStillWorks() throws Exception {
        WrapKey other;
        try (SwtpmProcess second = SwtpmProcess.start(); Tpm tpm = Tpm.open(second.endpoint())) {
            other = tpm.wrapKeyPublic();
        }
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            WrapKey mine = tpm.wrapKeyPublic();
            assertThat(other.fingerprint()).isNotEqualTo(mine.fingerprint());
            byte[] forOther = other.wrap(randomBytes(32));
            assertThatThrownBy(() -> tpm.unwrap(forOther)).isInstanceOf(TpmException.class)
                    .hasMessageMatching(refused(mine));
            byte[] secret = randomBytes(32);
            assertThat(tpm.unwrap(mine.wrap(secret))).isEqualTo(secret);
        }
    }

    @Test
    void flippedBytesAreRefused() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            WrapKey key = tpm.wrapKeyPublic();
            byte[] wrapped = key.wrap(randomBytes(32));
            for (int i : new int[] {0, 1, 100, 200, 255}) {
                byte[] flipped = wrapped.clone();
                flipped[i] ^= 0x01;
                assertThatThrownBy(() -> tpm.unwrap(flipped)).as("byte %d", i).isInstanceOf(TpmException.class)
                        .hasMessageMatching(refused(key));
            }
            byte[] zeros = new byte[WrapKey.WRAPPED_BYTES];
            assertThatThrownBy(() -> tpm.unwrap(zeros)).isInstanceOf(TpmException.class).hasMessageMatching(refused(key));
            // larger than the modulus: not an RSA ciphertext at all
            byte[] ones = new byte[WrapKey.WRAPPED_BYTES];
            Arrays.fill(ones, (byte) 0xFF);
            assertThatThrownBy(() -> tpm.unwrap(ones)).isInstanceOf(TpmException.class)
                    .hasMessageStartingWith("TPM2_RSA_Decrypt(wrap key) failed at " + swtpm.endpoint()
                            + ": the TPM refused to unwrap the key with TPM_RC_");
            assertThat(tpm.unwrap(wrapped)).hasSize(32);
        }
    }

    @Test
    void aWrappedKeyOfTheWrongLengthIsRefusedBeforeAnythingIsSent() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            for (int size : new int[] {0, 1, 255, 257, 512}) {
                assertThatThrownBy(() -> tpm.unwrap(new byte[size])).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("wrapped key: expected 256 bytes, got " + size);
            }
            assertThat(tpm.random(4)).hasSize(4);
        }
    }

    /**
     * TPM2_RSA_Decrypt hashes the label with its terminating zero byte: JCA must put the zero into
     * PSource.PSpecified. Without it, with no label, or with MGF1-SHA-1 (the JCA default of
     * OAEPWithSHA-256AndMGF1Padding), the TPM refuses.
     */
    @Test
    void jcaOaepInteropNeedsTheLabelWithItsZeroByteAndMgf1WithSha256() throws Exception {
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            WrapKey key = tpm.wrapKeyPublic();
            byte[] secret = randomBytes(32);
            byte[] label = "leo-capsule-key-v1".getBytes(StandardCharsets.US_ASCII);
            byte[] labelAndZero = Arrays.copyOf(label, label.length + 1);

            OAEPParameterSpec withZero = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, new PSource.PSpecified(labelAndZero));
            assertThat(tpm.unwrap(jcaEncrypt("RSA/ECB/OAEPPadding", key.publicKey(), withZero, secret))).isEqualTo(secret);
            assertThat(tpm.unwrap(jcaEncrypt("RSA/ECB/OAEPWithSHA-256AndMGF1Padding", key.publicKey(), withZero, secret)))
                    .as("the transformation name with explicit parameters").isEqualTo(secret);

            OAEPParameterSpec withoutZero = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, new PSource.PSpecified(label));
            OAEPParameterSpec noLabel = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
            OAEPParameterSpec mgf1Sha1 = new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA1, new PSource.PSpecified(labelAndZero));
            for (OAEPParameterSpec wrong : new OAEPParameterSpec[] {withoutZero, noLabel, mgf1Sha1}) {
                byte[] wrapped = jcaEncrypt("RSA/ECB/OAEPPadding", key.publicKey(), wrong, secret);
                assertThatThrownBy(() -> tpm.unwrap(wrapped)).isInstanceOf(TpmException.class).hasMessageMatching(refused(key));
            }
            byte[] jcaDefaults = jcaEncrypt("RSA/ECB/OAEPWithSHA-256AndMGF1Padding", key.publicKey(), null, secret);
            assertThatThrownBy(() -> tpm.unwrap(jcaDefaults)).isInstanceOf(TpmException.class).hasMessageMatching(refused(key));
        }
    }

    @Test
    void nothingStaysLoadedAfterUnwrapsThatWorkedAndUnwrapsThatFailed(@TempDir Path work) throws Exception {
        assumeTrue(SwtpmProcess.onPath("tpm2_getcap"), "tpm2-tools are not on the PATH");
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            WrapKey key = tpm.wrapKeyPublic();
            for (int i = 0; i < 4; i++) { // more than three: a leak would fail with TPM_RC_OBJECT_MEMORY
                byte[] wrapped = key.wrap(randomBytes(32));
                tpm.unwrap(wrapped);
                wrapped[7] ^= 0x40;
                assertThatThrownBy(() -> tpm.unwrap(wrapped)).isInstanceOf(TpmException.class);
            }
        }
        Tpm2Tools tools = new Tpm2Tools(swtpm.tcti(), work);
        assertThat(tools.ok("tpm2_getcap", "handles-transient").trim()).isEmpty();
        assertThat(tools.ok("tpm2_getcap", "handles-loaded-session").trim()).isEmpty();
    }

    @Test
    void wrappingRefusesAKeyThatIsNotRsa2048() throws Exception {
        PublicKey ecKey;
        try (Tpm tpm = Tpm.open(swtpm.endpoint())) {
            ecKey = tpm.attestationKey().publicKey();
        }
        assertThatThrownBy(() -> WrapKey.wrap(ecKey, new byte[32])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("wrap key: expected an RSA-2048 public key, got EC 256-bit key ");
    }

    private String refused(WrapKey key) {
        return String.format(REFUSED, java.util.regex.Pattern.quote(swtpm.endpoint().toString()), key.fingerprint().substring(0, 16));
    }

    private static byte[] jcaEncrypt(String transformation, PublicKey key, AlgorithmParameterSpec params, byte[] secret) throws Exception {
        Cipher cipher = Cipher.getInstance(transformation);
        if (params == null) {
            cipher.init(Cipher.ENCRYPT_MODE, key);
        } else {
            cipher.init(Cipher.ENCRYPT_MODE, key, params);
        }
        return cipher.doFinal(secret);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String hex(byte[] b) {
        return java.util.HexFormat.of().formatHex(b);
    }
}
