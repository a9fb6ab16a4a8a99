package org.leo.protocol.tpm;

import java.util.HexFormat;

/**
 * A credential protected to one TPM's endorsement key for one key Name (TPM2_MakeCredential's
 * output, TPM 2.0 Part 3, 12.6): the two parameters of TPM2_ActivateCredential, each marshalled
 * with its UINT16 size prefix exactly as the command carries it. Neither is secret on the wire:
 * only the TPM that holds the EK, and an object with the Name, can recover the credential.
 *
 * @param credentialBlob TPM2B_ID_OBJECT: size || TPM2B_DIGEST integrityHMAC || encIdentity
 * @param secret         TPM2B_ENCRYPTED_SECRET: size || the seed encrypted to the EK (RSA-OAEP
 *                       ciphertext, or a marshalled TPMS_ECC_POINT for ECC)
 */
public record ProtectedCredential(byte[] credentialBlob, byte[] secret) {
    public ProtectedCredential {
        credentialBlob = credentialBlob.clone();
        secret = secret.clone();
    }

    @Override
    public byte[] credentialBlob() {
        return credentialBlob.clone();
    }

    @Override
    public byte[] secret() {
        return secret.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProtectedCredential p && java.util.Arrays.equals(credentialBlob, p.credentialBlob)
                && java.util.Arrays.equals(secret, p.secret);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(credentialBlob) * 31 + java.util.Arrays.hashCode(secret);
    }

    @Override
    public String toString() {
        return "ProtectedCredential[credentialBlob=" + HexFormat.of().formatHex(credentialBlob)
                + ", secret=" + secret.length + " bytes]";
    }
}
