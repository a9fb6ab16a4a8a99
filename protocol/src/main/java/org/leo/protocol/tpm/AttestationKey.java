package org.leo.protocol.tpm;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The public half of the TPM's attestation key: a restricted ECC P-256 signing key (ECDSA/SHA-256)
 * created as a primary key in the owner hierarchy from a fixed template, so the same TPM gives the
 * same key after every restart (until the owner hierarchy is cleared).
 *
 * @param publicKey  the key as JCA sees it, for {@link QuoteVerifier}
 * @param name       the TPM name: nameAlg (0x000B, SHA-256) followed by SHA-256 of {@code publicArea}
 * @param publicArea the marshalled TPMT_PUBLIC the TPM returned
 */
public record AttestationKey(PublicKey publicKey, byte[] name, byte[] publicArea) {
    public AttestationKey {
        Objects.requireNonNull(publicKey, "publicKey");
        name = name.clone();
        publicArea = publicArea.clone();
    }

    @Override
    public byte[] name() {
        return name.clone();
    }

    @Override
    public byte[] publicArea() {
        return publicArea.clone();
    }

    /** The SubjectPublicKeyInfo as PEM ("-----BEGIN PUBLIC KEY-----"), what {@code tpm2_checkquote -u} reads. */
    public String pem() {
        return PublicKeys.pem(publicKey);
    }

    /** SHA-256 of the SubjectPublicKeyInfo in hex: a short way to tell keys apart in logs. */
    public String fingerprint() {
        return fingerprint(publicKey);
    }

    static String fingerprint(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttestationKey k && publicKey.equals(k.publicKey)
                && Arrays.equals(name, k.name) && Arrays.equals(publicArea, k.publicArea);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    @Override
    public String toString() {
        return "AttestationKey[name=" + HexFormat.of().formatHex(name) + "]";
    }
}
