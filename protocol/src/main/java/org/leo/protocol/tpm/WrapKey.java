package org.leo.protocol.tpm;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;

/**
 * The public half of the owner Pi's wrap key: an RSA-2048 decryption key that lives only in the
 * Pi's TPM (a primary key of the owner hierarchy from {@link WrapKeyTemplate}; fixedTPM, so its
 * private part never leaves that TPM). A capsule's AES key is stored only wrapped to it: wrapping
 * is plain JCA here, with nothing but this public key; unwrapping is {@link Tpm#unwrap}, in the TPM.
 *
 * <p>The wrapping is RSAES-OAEP (RFC 8017, 7.1) with SHA-256 as the hash and as MGF1's hash, and
 * the label {@link #LABEL} followed by one zero byte: TPM2_RSA_Decrypt refuses a label whose last
 * byte is not zero and hashes the label with that zero (TPM 2.0 Part 3, TPM2_RSA_Decrypt), so a
 * JCA {@code PSource.PSpecified} must carry the zero too. tpm2-tools appends it for you
 * ({@code tpm2_rsadecrypt -l leo-capsule-key-v1}). Beware the JCA transformation
 * {@code RSA/ECB/OAEPWithSHA-256AndMGF1Padding} without parameters: it means MGF1 with SHA-1 and an
 * empty label, which this TPM key refuses ({@code WrapKeyTpmTest}).
 *
 * @param publicKey  the RSA public key as JCA sees it
 * @param name       the TPM name: nameAlg (0x000B, SHA-256) followed by SHA-256 of {@code publicArea}
 * @param publicArea the marshalled TPMT_PUBLIC the TPM returned (the template with the modulus as unique)
 */
public record WrapKey(RSAPublicKey publicKey, byte[] name, byte[] publicArea) {
    /** The OAEP label without its terminating zero: what {@code tpm2_rsadecrypt -l} takes. */
    public static final String LABEL = "leo-capsule-key-v1";
    /** An RSA-2048 ciphertext: exactly the modulus size. */
    public static final int WRAPPED_BYTES = WrapKeyTemplate.KEY_BITS / 8;
    /** OAEP with SHA-256 carries at most k - 2 hLen - 2 = 256 - 64 - 2 bytes (RFC 8017, 7.1.1). */
    public static final int MAX_SECRET_BYTES = WRAPPED_BYTES - 2 * 32 - 2;

    public WrapKey {
        Objects.requireNonNull(publicKey, "publicKey");
        name = name.clone();
        publicArea = publicArea.clone();
    }

    /**
     * The wrap key whose marshalled TPMT_PUBLIC is {@code publicArea} (untrusted, e.g. from a {@link WrapKeyFile}): the
     * RSA key and the name are derived from it, and a public area that is not {@link WrapKeyTemplate}'s shape is refused.
     *
     * @throws TpmFormatException a sentence starting "TPMT_PUBLIC "
     */
    public static WrapKey fromPublicArea(byte[] publicArea) throws TpmFormatException {
        return WrapKeyTemplate.parse(publicArea.clone());
    }

    /**
     * Wraps {@code secret} (1..{@link #MAX_SECRET_BYTES} bytes, a capsule's AES key) to this key:
     * {@link #WRAPPED_BYTES} bytes that only this TPM can unwrap.
     */
    public byte[] wrap(byte[] secret) {
        return wrap(publicKey, secret);
    }

    /** Wraps {@code secret} to an RSA-2048 wrap key known only by its public key (RSAES-OAEP, as above). */
    public static byte[] wrap(PublicKey key, byte[] secret) {
        Objects.requireNonNull(key, "key");
        if (!(key instanceof RSAPublicKey rsa) || rsa.getModulus().bitLength() != WrapKeyTemplate.KEY_BITS) {
            throw new IllegalArgumentException("wrap key: expected an RSA-" + WrapKeyTemplate.KEY_BITS + " public key, got "
                    + PublicKeys.describe(key));
        }
        if (secret.length == 0 || secret.length > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("secret: expected 1.." + MAX_SECRET_BYTES + " bytes, got " + secret.length);
        }
        try {
            Cipher rsaOaep = Cipher.getInstance("RSA/ECB/OAEPPadding");
            rsaOaep.init(Cipher.ENCRYPT_MODE, key, oaep());
            return rsaOaep.doFinal(secret);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot encrypt with RSA-OAEP-SHA-256: " + e.getMessage(), e);
        }
    }

    /** RSAES-OAEP parameters of the wrapping: SHA-256, MGF1 with SHA-256, label {@link #LABEL} and a zero byte. */
    public static OAEPParameterSpec oaep() {
        return new OAEPParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, new PSource.PSpecified(tpmLabel()));
    }

    /** The label as TPM2_RSA_Decrypt takes it: {@link #LABEL} in ASCII and a terminating zero byte. */
    static byte[] tpmLabel() {
        byte[] ascii = LABEL.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(ascii, ascii.length + 1);
    }

    /** The ciphertext of a wrapped key, checked for its size before anything is sent to a TPM. */
    static byte[] checkWrapped(byte[] wrapped) {
        if (wrapped.length != WRAPPED_BYTES) {
            throw new IllegalArgumentException("wrapped key: expected " + WRAPPED_BYTES + " bytes, got " + wrapped.length);
        }
        return wrapped.clone();
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] publicArea() {
        return publicArea.clone();
    }

    /** SHA-256 of the SubjectPublicKeyInfo in hex: how to tell wrap keys (and so Pis) apart. */
    public String fingerprint() {
        return AttestationKey.fingerprint(publicKey);
    }

    /** The SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----"), what openssl and tpm2-tools read. */
    public String pem() {
        return PublicKeys.pem(publicKey);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WrapKey k && PublicKeys.same(publicKey, k.publicKey)
                && Arrays.equals(name, k.name) && Arrays.equals(publicArea, k.publicArea);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "WrapKey[name=" + HexFormat.of().formatHex(name) + "]";
    }
}
