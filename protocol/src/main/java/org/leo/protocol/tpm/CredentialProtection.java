package org.leo.protocol.tpm;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.crypto.spec.SecretKeySpec;

/**
 * TPM2_MakeCredential in plain JCA, for the verifier (TPM 2.0 Part 1, 24 "Credential Protection";
 * Part 3, 12.6): protects a short credential so that only the TPM holding a given endorsement key
 * can recover it, and only with TPM2_ActivateCredential on an object with a given Name. Making
 * the credential needs no TPM.
 *
 * <p>The construction, with nameAlg and the AES key size taken from the EK's public area:
 * <ol>
 *   <li>seed: random, nameAlg's digest size, protected to the EK (Part 1, Annex B.10.3 / C.6.4):
 *       RSA-OAEP with nameAlg as hash and MGF1 hash and label "IDENTITY\0"; for ECC, one-pass ECDH
 *       with an ephemeral key, seed = KDFe(nameAlg, Z.x, "IDENTITY", ephemeral.x, EK.x, digest bits),
 *       and the secret is the ephemeral point;</li>
 *   <li>symKey = KDFa(nameAlg, seed, "STORAGE", Name, empty, AES key bits);</li>
 *   <li>encIdentity = AES-CFB(symKey, IV = 0) of the credential marshalled as TPM2B_DIGEST
 *       (its size field is encrypted too);</li>
 *   <li>HMACkey = KDFa(nameAlg, seed, "INTEGRITY", empty, empty, digest bits);
 *       integrityHMAC = HMAC_nameAlg(HMACkey, encIdentity || Name).</li>
 * </ol>
 * The result is what {@code tpm2_makecredential} produces and what {@link Tpm#activateCredential}
 * takes; the cross-check against tpm2-tools is in {@code CredentialCrossCheckTest}.
 */
public final class CredentialProtection {
    /**
     * The credential is a TPM2B_DIGEST no larger than the EK nameAlg's digest (Part 3, 12.6: TPM_RC_SIZE):
     * 32 bytes always fit (SHA-256, templates L-1/L-2); SHA-384 EKs (H-3) take 48.
     */
    public static final int MAX_CREDENTIAL_BYTES = 32;
    /** A Name is a UINT16 algorithm and a digest of at most 64 bytes. */
    static final int MAX_NAME_BYTES = 66;

    private static final SecureRandom RANDOM = new SecureRandom();

    private CredentialProtection() {
    }

    /** Protects {@code credential} (1..{@link #MAX_CREDENTIAL_BYTES} bytes) to {@code ek} for the object named {@code name}. */
    public static ProtectedCredential make(EkPublic ek, byte[] name, byte[] credential) {
        return make(ek, name, credential, RANDOM);
    }

    /** As {@link #make(EkPublic, byte[], byte[])}, with the seed (and ECDH key) from {@code random}. */
    static ProtectedCredential make(EkPublic ek, byte[] name, byte[] credential, SecureRandom random) {
        Objects.requireNonNull(ek, "ek");
        int maxCredential = TpmPublic.digestLength(ek.nameAlg());
        if (credential.length == 0 || credential.length > maxCredential) {
            throw new IllegalArgumentException("credential: expected 1.." + maxCredential + " bytes, got " + credential.length);
        }
        if (name.length < 2 + 20 || name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name: expected a nameAlg and a digest (22.." + MAX_NAME_BYTES + " bytes), got " + name.length);
        }
        int nameAlg = ek.nameAlg();
        int digestBits = TpmPublic.digestLength(nameAlg) * 8;
        try {
            byte[] seed;
            byte[] encryptedSeed;
            if (ek.isRsa()) {
                seed = new byte[digestBits / 8];
                random.nextBytes(seed);
                encryptedSeed = rsaOaep(ek, seed, random);
            } else {
                byte[][] seedAndPoint = ecdh(ek, digestBits, random);
                seed = seedAndPoint[0];
                encryptedSeed = seedAndPoint[1];
            }
            byte[] symKey = Kdf.kdfa(nameAlg, seed, "STORAGE", name, new byte[0], ek.symmetricBits());
            Cipher aes = Cipher.getInstance("AES/CFB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(symKey, "AES"), new IvParameterSpec(new byte[16]));
            byte[] encIdentity = aes.doFinal(sized(credential));
            byte[] hmacKey = Kdf.kdfa(nameAlg, seed, "INTEGRITY", new byte[0], new byte[0], digestBits);
            Mac mac = Mac.getInstance("Hmac" + TpmPublic.jcaDigest(nameAlg).replace("-", ""));
            mac.init(new SecretKeySpec(hmacKey, mac.getAlgorithm()));
            mac.update(encIdentity);
            byte[] integrity = mac.doFinal(name);
            byte[] idObject = ByteBuffer.allocate(2 + integrity.length + encIdentity.length)
                    .putShort((short) integrity.length).put(integrity).put(encIdentity).array();
            return new ProtectedCredential(sized(idObject), sized(encryptedSeed));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a credential for " + ek + ": " + e.getMessage(), e);
        }
    }

    private static byte[] rsaOaep(EkPublic ek, byte[] seed, SecureRandom random) throws GeneralSecurityException {
        String digest = TpmPublic.jcaDigest(ek.nameAlg());
        OAEPParameterSpec oaep = new OAEPParameterSpec(digest, "MGF1", new MGF1ParameterSpec(digest),
                new PSource.PSpecified(Kdf.label("IDENTITY")));
        Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
        rsa.init(Cipher.ENCRYPT_MODE, ek.publicKey(), oaep, random);
        return rsa.doFinal(seed);
    }

    /** {seed, marshalled TPMS_ECC_POINT of the ephemeral key} for one-pass ECDH (Part 1, C.6.4). */
    private static byte[][] ecdh(EkPublic ek, int digestBits, SecureRandom random) throws GeneralSecurityException {
        ECPublicKey ekKey = (ECPublicKey) ek.publicKey();
        int size = (ekKey.getParams().getCurve().getField().getFieldSize() + 7) / 8;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(ekKey.getParams(), random);
        KeyPair ephemeral = generator.generateKeyPair();
        KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
        agreement.init(ephemeral.getPrivate());
        agreement.doPhase(ekKey, true);
        byte[] z = agreement.generateSecret(); // the x coordinate of the shared point, curve-size bytes
        ECPublicKey ephemeralKey = (ECPublicKey) ephemeral.getPublic();
        byte[] ephemeralX = fixed(ephemeralKey.getW().getAffineX(), size);
        byte[] ephemeralY = fixed(ephemeralKey.getW().getAffineY(), size);
        byte[] seed = Kdf.kdfe(ek.nameAlg(), z, "IDENTITY", ephemeralX, fixed(ekKey.getW().getAffineX(), size), digestBits);
        byte[] point = ByteBuffer.allocate(4 + 2 * size).putShort((short) size).put(ephemeralX)
                .putShort((short) size).put(ephemeralY).array();
        return new byte[][] {seed, point};
    }

    /** An unsigned big-endian integer in exactly {@code size} bytes. */
    static byte[] fixed(BigInteger v, int size) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[size];
        int n = Math.min(raw.length, size);
        System.arraycopy(raw, raw.length - n, out, size - n, n);
        return out;
    }

    /** A TPM2B: UINT16 size, then the bytes. */
    static byte[] sized(byte[] body) {
        return ByteBuffer.allocate(2 + body.length).putShort((short) body.length).put(body).array();
    }
}
