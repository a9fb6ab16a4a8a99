package org.leo.protocol.tpm;

/**
 * The endorsement keys {@link Tpm} can use: a TCG EK Credential Profile template, the NV index where
 * the manufacturer stores the certificate for the key that template derives (EK Credential Profile
 * 2.x, 2.2.1.4 "Low Range" and 2.2.1.5 "High Range"), and how the key authorizes its use.
 */
public enum EkType {
    /** Template L-1 (the default RSA EK): RSA 2048, SHA-256, AES-128-CFB, PolicySecret(TPM_RH_ENDORSEMENT). */
    RSA_2048(0x01c00002, "RSA 2048", true),
    /** Template L-2 (the default ECC EK): NIST P-256, SHA-256, AES-128-CFB, PolicySecret(TPM_RH_ENDORSEMENT). */
    ECC_P256(0x01c0000a, "ECC NIST P-256", true),
    /**
     * Template H-3: NIST P-384, SHA-384, AES-256-CFB, userWithAuth (so an empty password authorizes it);
     * the ECC EK that {@code swtpm_setup} certifies.
     */
    ECC_P384(0x01c00016, "ECC NIST P-384", false);

    private final int certificateIndex;
    private final String description;
    private final boolean policySession;

    EkType(int certificateIndex, String description, boolean policySession) {
        this.certificateIndex = certificateIndex;
        this.description = description;
        this.policySession = policySession;
    }

    /** The NV index of the EK certificate (DER X.509). */
    public int certificateIndex() {
        return certificateIndex;
    }

    /**
     * Whether the key's USER role needs the policy session PolicySecret(TPM_RH_ENDORSEMENT) (the
     * L templates clear userWithAuth), rather than its empty authValue.
     */
    boolean policySession() {
        return policySession;
    }

    @Override
    public String toString() {
        return description + " EK";
    }
}
