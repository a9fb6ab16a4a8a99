package org.leo.protocol.tpm;

import java.security.PublicKey;
import java.util.HexFormat;

/**
 * The public area of a TPM's endorsement key as an HPC sends it (its marshalled TPMT_PUBLIC), read
 * by the verifier for two things: the key to compare with the EK certificate
 * ({@link EkCertificateVerifier}), and the parameters that {@link CredentialProtection} must use
 * to protect a credential to it (nameAlg, the AES key size; TPM 2.0 Part 1, 24.4).
 *
 * <p>Checked: an RSA key of 2048 bits or more, or an ECC key on NIST P-256 or P-384, that is a
 * restricted decryption key (a storage key: restricted, decrypt, not sign; Part 1, 25.2) with an
 * AES-CFB symmetric definition, as every TCG EK Credential Profile template (L-1, L-2, H-1..H-5)
 * is. Its policy and the other attributes are not judged here: the certificate binds the key, and
 * a credential protected with wrong parameters simply cannot be activated.
 *
 * <p>Trust: a claim of the HPC. {@link #publicKey()} is verified once it equals the public key of
 * an EK certificate that chains to a configured manufacturer root.
 */
public final class EkPublic {
    private final TpmPublic area;
    private final PublicKey publicKey;

    private EkPublic(TpmPublic area, PublicKey publicKey) {
        this.area = area;
        this.publicKey = publicKey;
    }

    /** Parses and checks an endorsement key's TPMT_PUBLIC (untrusted; a sentence starting "TPMT_PUBLIC " on failure). */
    public static EkPublic parse(byte[] tpmtPublic) throws TpmFormatException {
        TpmPublic area = TpmPublic.parse(tpmtPublic);
        long a = area.attributes();
        if ((a & TpmPublic.RESTRICTED) == 0 || (a & TpmPublic.DECRYPT) == 0 || (a & TpmPublic.SIGN) != 0) {
            throw new TpmFormatException(String.format("TPMT_PUBLIC is not an endorsement key: objectAttributes 0x%08x"
                    + " (an endorsement key is restricted and decrypt, not sign)", a));
        }
        if (area.symmetric() != TpmPublic.ALG_AES || area.symmetricMode() != TpmPublic.ALG_CFB
                || (area.symmetricBits() != 128 && area.symmetricBits() != 256)) {
            throw new TpmFormatException("TPMT_PUBLIC is not an endorsement key we protect credentials to: its symmetric"
                    + " algorithm is " + TpmAlgorithms.name(area.symmetric())
                    + (area.symmetric() == TpmPublic.ALG_NULL ? "" : "-" + area.symmetricBits() + "-" + TpmAlgorithms.name(area.symmetricMode()))
                    + ", expected aes-128-cfb or aes-256-cfb");
        }
        if (area.type() == TpmPublic.TYPE_RSA && area.keyBits() < AkPublic.MIN_RSA_BITS) {
            throw new TpmFormatException("TPMT_PUBLIC is not an endorsement key we accept: an RSA key of "
                    + area.keyBits() + " bits, expected at least " + AkPublic.MIN_RSA_BITS);
        }
        return new EkPublic(area, area.toJca());
    }

    /** The EK's public key, to be compared with its certificate's. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** The marshalled TPMT_PUBLIC, exactly the bytes that were parsed. */
    public byte[] publicArea() {
        return area.publicArea();
    }

    /** The EK's Name (nameAlg || H(TPMT_PUBLIC)). */
    public byte[] name() {
        return area.name();
    }

    /** TPM_ALG_ID of the EK's nameAlg: the hash of OAEP/KDFe, KDFa and the integrity HMAC. */
    int nameAlg() {
        return area.nameAlg();
    }

    /** Bits of the EK's AES key: the size of the credential's symmetric key. */
    int symmetricBits() {
        return area.symmetricBits();
    }

    boolean isRsa() {
        return area.type() == TpmPublic.TYPE_RSA;
    }

    @Override
    public String toString() {
        return "EkPublic[" + (isRsa() ? "rsa" + area.keyBits() : "ecc") + ", name=" + HexFormat.of().formatHex(name()) + "]";
    }
}
