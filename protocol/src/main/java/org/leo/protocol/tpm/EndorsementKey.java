package org.leo.protocol.tpm;

import java.security.PublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A TPM's endorsement key as {@link Tpm#endorsementKey(EkType)} found it: the key derived from the
 * TCG template, and the manufacturer's certificate for it read from NV, whose public key was checked
 * to be this key. What the HPC sends the verifier to be enrolled: the verifier checks the certificate
 * chain ({@link EkCertificateVerifier}) and protects a credential to the key
 * ({@link CredentialProtection}) - it trusts nothing here on the HPC's word.
 *
 * @param type        which template and NV index
 * @param publicArea  the marshalled TPMT_PUBLIC the TPM returned (parse with {@link EkPublic#parse})
 * @param publicKey   the same key in JCA form
 * @param certificate the DER X.509 EK certificate from NV index {@link EkType#certificateIndex()}
 */
public record EndorsementKey(EkType type, byte[] publicArea, PublicKey publicKey, byte[] certificate) {
    public EndorsementKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(publicKey, "publicKey");
        publicArea = publicArea.clone();
        certificate = certificate.clone();
    }

    @Override
    public byte[] publicArea() {
        return publicArea.clone();
    }

    @Override
    public byte[] certificate() {
        return certificate.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EndorsementKey k && type == k.type && Arrays.equals(publicArea, k.publicArea)
                && Arrays.equals(certificate, k.certificate);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(publicArea);
    }

    @Override
    public String toString() {
        return "EndorsementKey[" + type + ", key " + AttestationKey.fingerprint(publicKey).substring(0, 16)
                + ", certificate " + certificate.length + " bytes, public area " + HexFormat.of().formatHex(publicArea, 0, 8) + "...]";
    }
}
