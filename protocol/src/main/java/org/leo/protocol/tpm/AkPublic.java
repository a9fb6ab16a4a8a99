package org.leo.protocol.tpm;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The public area of an attestation key as an HPC sends it (its marshalled TPMT_PUBLIC), checked by
 * the verifier before it makes a credential for the key's Name.
 *
 * <p>Why the checks: TPM2_ActivateCredential releases the credential only to a TPM that holds both
 * the endorsement key and an object with this Name (TPM 2.0 Part 1, 24 "Credential Protection";
 * Part 3, 12.5). The Name is a hash of this public area, so whatever the area says about the key
 * holds for the key in that TPM. It must say: the private key was made in this TPM and can never
 * leave it (fixedTPM, fixedParent, sensitiveDataOrigin: Part 1, 27.2), and the key signs only data
 * the TPM itself produced (restricted + sign, not decrypt: Part 1, 25.2), so a quote signed with it
 * is a quote of that TPM. A software key the HPC holds in memory, or a key it could import or
 * duplicate, fails these checks.
 *
 * <p>Accepted keys: ECC NIST P-256 or P-384 with ECDSA, or RSA of 2048 bits or more with RSASSA or
 * RSAPSS; nameAlg SHA-256, SHA-384 or SHA-512; no symmetric algorithm (Part 2, 12.2.3.7: a signing
 * key has none). Every failure is reported in one sentence starting "TPMT_PUBLIC ".
 *
 * <p>Trust: everything here is a claim of the HPC until TPM2_ActivateCredential with the EK of a
 * certified TPM returns the credential; after that the Name, and so every field, is verified.
 */
public final class AkPublic {
    /** RSA keys below this are refused (TCG PC Client: 2048-bit RSA minimum). */
    public static final int MIN_RSA_BITS = 2048;

    private final TpmPublic area;
    private final PublicKey publicKey;
    private final byte[] name;

    private AkPublic(TpmPublic area, PublicKey publicKey) {
        this.area = area;
        this.publicKey = publicKey;
        this.name = area.name();
    }

    /**
     * Parses and checks an attestation key's TPMT_PUBLIC (at most {@link TpmPublic#MAX_PUBLIC_BYTES}
     * bytes, untrusted).
     *
     * @throws TpmFormatException if the bytes are not one TPMT_PUBLIC, or the key is not a restricted
     *                            signing key that cannot leave its TPM
     */
    public static AkPublic parse(byte[] tpmtPublic) throws TpmFormatException {
        TpmPublic area = TpmPublic.parse(tpmtPublic);
        List<String> missing = new ArrayList<>();
        String[] names = {"fixedTPM", "fixedParent", "sensitiveDataOrigin", "restricted", "sign"};
        long[] bits = {TpmPublic.FIXED_TPM, TpmPublic.FIXED_PARENT, TpmPublic.SENSITIVE_DATA_ORIGIN,
                TpmPublic.RESTRICTED, TpmPublic.SIGN};
        for (int i = 0; i < bits.length; i++) {
            if ((area.attributes() & bits[i]) == 0) {
                missing.add(names[i]);
            }
        }
        boolean decrypt = (area.attributes() & TpmPublic.DECRYPT) != 0;
        if (!missing.isEmpty() || decrypt) {
            String why = (missing.isEmpty() ? "" : "lacks " + String.join(", ", missing))
                    + (!missing.isEmpty() && decrypt ? " and " : "") + (decrypt ? "has decrypt" : "");
            throw new TpmFormatException(String.format("TPMT_PUBLIC is not an attestation key: objectAttributes 0x%08x %s"
                    + " (an attestation key must be fixedTPM, fixedParent, sensitiveDataOrigin, restricted and sign, not decrypt)",
                    area.attributes(), why));
        }
        if (area.symmetric() != TpmPublic.ALG_NULL) {
            throw new TpmFormatException("TPMT_PUBLIC is not an attestation key: a signing key has symmetric "
                    + TpmAlgorithms.name(area.symmetric()) + ", expected null");
        }
        boolean schemeOk = area.type() == TpmPublic.TYPE_ECC
                ? area.scheme() == TpmAlgorithms.ECDSA
                : area.scheme() == TpmAlgorithms.RSASSA || area.scheme() == TpmAlgorithms.RSAPSS;
        if (!schemeOk || TpmPublic.digestLength(area.schemeHash()) < 0) {
            throw new TpmFormatException("TPMT_PUBLIC is not an attestation key we verify: its scheme is "
                    + TpmAlgorithms.name(area.scheme()) + (area.schemeHash() == 0 ? "" : "-" + TpmAlgorithms.name(area.schemeHash()))
                    + ", expected " + (area.type() == TpmPublic.TYPE_ECC ? "ecdsa" : "rsassa or rsapss")
                    + " with sha256, sha384 or sha512");
        }
        if (area.type() == TpmPublic.TYPE_RSA && area.keyBits() < MIN_RSA_BITS) {
            throw new TpmFormatException("TPMT_PUBLIC is not an attestation key we accept: an RSA key of "
                    + area.keyBits() + " bits, expected at least " + MIN_RSA_BITS);
        }
        return new AkPublic(area, area.toJca());
    }

    /** The TPM Name the credential is bound to: nameAlg (UINT16) || H_nameAlg(TPMT_PUBLIC). */
    public byte[] name() {
        return name.clone();
    }

    /** The key quotes must be verified with; compare with the key a quote came with, never trust both apart. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** The marshalled TPMT_PUBLIC, exactly the bytes that were parsed. */
    public byte[] publicArea() {
        return area.publicArea();
    }

    /** TPMA_OBJECT as a UINT32. */
    public long objectAttributes() {
        return area.attributes();
    }

    /** Whether {@code key} is this attestation key (same encoded SubjectPublicKeyInfo). */
    public boolean isKey(PublicKey key) {
        return key != null && Arrays.equals(key.getEncoded(), publicKey.getEncoded());
    }

    @Override
    public String toString() {
        return "AkPublic[name=" + HexFormat.of().formatHex(name) + "]";
    }
}
