package org.leo.protocol.tpm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * {@link CredentialProtection} against a software TPM2_ActivateCredential (TPM 2.0 Part 1, 24.5)
 * with Java-generated EK keys in L-1 (RSA 2048) and L-2 (ECC P-256) shaped public areas. That the
 * bytes are what a real TPM accepts is shown against swtpm and tpm2-tools in
 * {@code CredentialActivationTest} and {@code CredentialCrossCheckTest}.
 */
class CredentialProtectionTest {
    private static final byte[] NAME = HexFormat.of().parseHex("000b" + "11".repeat(32));
    private static final byte[] OTHER_NAME = HexFormat.of().parseHex("000b" + "22".repeat(32));
    private final SecureRandom random = new SecureRandom();

    @Test
    void rsaEkCredentialActivatesOnlyForItsName() throws Exception {
        KeyPair ek = rsa();
        EkPublic ekPublic = EkPublic.parse(rsaL1(ek));
        byte[] secret = "the verifier's 32-byte challenge".getBytes();
        ProtectedCredential c = CredentialProtection.make(ekPublic, NAME, secret, random);
        assertThat(c.credentialBlob()).hasSize(2 + 2 + 32 + 2 + 32);
        assertThat(c.secret()).hasSize(2 + 256);
        assertThat(activate(ek.getPrivate(), ekPublic, NAME, c)).isEqualTo(secret);
        assertThatThrownBy(() -> activate(ek.getPrivate(), ekPublic, OTHER_NAME, c)).hasMessage("integrity HMAC mismatch");
        assertThat(CredentialProtection.make(ekPublic, NAME, secret, random)).isNotEqualTo(c); // a fresh seed each time
    }

    @Test
    void eccEkCredentialActivatesOnlyForItsName() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair ek = g.generateKeyPair();
        EkPublic ekPublic = EkPublic.parse(eccL2((ECPublicKey) ek.getPublic()));
        byte[] secret = {1, 2, 3};
        ProtectedCredential c = CredentialProtection.make(ekPublic, NAME, secret, random);
        assertThat(c.secret()).hasSize(2 + 2 + 32 + 2 + 32);
        assertThat(activate(ek.getPrivate(), ekPublic, NAME, c)).isEqualTo(secret);
        assertThatThrownBy(() -> activate(ek.getPrivate(), ekPublic, OTHER_NAME, c)).hasMessage("integrity HMAC mismatch");
    }

    @Test
    void argumentsAreChecked() throws Exception {
        EkPublic ek = EkPublic.parse(AkPublicTest.RSA_EK);
        assertThatThrownBy(() -> CredentialProtection.make(ek, NAME, new byte[0]))
                .hasMessage("credential: expected 1..32 bytes, got 0");
        assertThatThrownBy(() -> CredentialProtection.make(ek, NAME, new byte[33]))
                .hasMessage("credential: expected 1..32 bytes, got 33");
        assertThatThrownBy(() -> CredentialProtection.make(ek, new byte[2], new byte[1]))
                .hasMessage("name: expected a nameAlg and a digest (22..66 bytes), got 2");
    }

    @Test
    void kdfaOfOneBlockIsTheHmacOfCounterLabelContextsAndBits() throws Exception {
        byte[] key = new byte[32];
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        byte[] expected = mac.doFinal(HexFormat.of().parseHex("00000001" + "53544f5241474500" + "aabb" + "00000080"));
        assertThat(Kdf.kdfa(TpmAlgorithms.SHA256, key, "STORAGE", new byte[] {(byte) 0xaa, (byte) 0xbb}, new byte[0], 128))
                .isEqualTo(Arrays.copyOf(expected, 16));
    }

    /** TPM2_ActivateCredential in software: recover the seed, check the HMAC, decrypt (Part 1, 24.5). */
    static byte[] activate(PrivateKey ek, EkPublic ekPublic, byte[] name, ProtectedCredential c) throws Exception {
        int nameAlg = ekPublic.nameAlg();
        int digestBits = TpmPublic.digestLength(nameAlg) * 8;
        byte[] secret = Arrays.copyOfRange(c.secret(), 2, c.secret().length);
        byte[] seed;
        if (ekPublic.isRsa()) {
            Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsa.init(Cipher.DECRYPT_MODE, ek, new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256,
                    new PSource.PSpecified("IDENTITY\0".getBytes())));
            seed = rsa.doFinal(secret);
        } else {
            ByteBuffer point = ByteBuffer.wrap(secret);
            byte[] x = new byte[point.getShort()];
            point.get(x);
            byte[] y = new byte[point.getShort()];
            point.get(y);
            ECPublicKey ephemeral = (ECPublicKey) java.security.KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(
                    new ECPoint(new java.math.BigInteger(1, x), new java.math.BigInteger(1, y)), ((ECPrivateKey) ek).getParams()));
            KeyAgreement ka = KeyAgreement.getInstance("ECDH");
            ka.init(ek);
            ka.doPhase(ephemeral, true);
            ECPublicKey ekKey = (ECPublicKey) ekPublic.publicKey();
            seed = Kdf.kdfe(nameAlg, ka.generateSecret(), "IDENTITY", x, CredentialProtection.fixed(ekKey.getW().getAffineX(), 32), digestBits);
        }
        ByteBuffer blob = ByteBuffer.wrap(c.credentialBlob(), 2, c.credentialBlob().length - 2);
        byte[] integrity = new byte[blob.getShort()];
        blob.get(integrity);
        byte[] encIdentity = new byte[blob.remaining()];
        blob.get(encIdentity);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Kdf.kdfa(nameAlg, seed, "INTEGRITY", new byte[0], new byte[0], digestBits), "HmacSHA256"));
        mac.update(encIdentity);
        if (!Arrays.equals(mac.doFinal(name), integrity)) {
            throw new IllegalStateException("integrity HMAC mismatch");
        }
        Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(Kdf.kdfa(nameAlg, seed, "STORAGE", name, new byte[0], ekPublic.symmetricBits()), "AES"),
                new IvParameterSpec(new byte[16]));
        byte[] sized = aes.doFinal(encIdentity);
        return Arrays.copyOfRange(sized, 2, 2 + (((sized[0] & 0xFF) << 8) | (sized[1] & 0xFF)));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    /** A TPMT_PUBLIC shaped like template L-1 around {@code ek}'s modulus. */
    static byte[] rsaL1(KeyPair ek) {
        byte[] n = CredentialProtection.fixed(((RSAPublicKey) ek.getPublic()).getModulus(), 256);
        return ByteBuffer.allocate(2 + 2 + 4 + 2 + 32 + 6 + 2 + 2 + 4 + 2 + 256).putShort((short) 0x0001).putShort((short) 0x000b)
                .putInt(0x000300b2).putShort((short) 32).put(EndorsementKeyTemplate.POLICY_A_SHA256)
                .putShort((short) 0x0006).putShort((short) 128).putShort((short) 0x0043).putShort((short) 0x0010)
                .putShort((short) 2048).putInt(0).putShort((short) 256).put(n).array();
    }

    /** A TPMT_PUBLIC shaped like template L-2 around {@code ek}'s point. */
    static byte[] eccL2(ECPublicKey ek) {
        return ByteBuffer.allocate(2 + 2 + 4 + 2 + 32 + 6 + 2 + 2 + 2 + 2 + 32 + 2 + 32).putShort((short) 0x0023).putShort((short) 0x000b)
                .putInt(0x000300b2).putShort((short) 32).put(EndorsementKeyTemplate.POLICY_A_SHA256)
                .putShort((short) 0x0006).putShort((short) 128).putShort((short) 0x0043).putShort((short) 0x0010)
                .putShort((short) 0x0003).putShort((short) 0x0010)
                .putShort((short) 32).put(CredentialProtection.fixed(ek.getW().getAffineX(), 32))
                .putShort((short) 32).put(CredentialProtection.fixed(ek.getW().getAffineY(), 32)).array();
    }
}
