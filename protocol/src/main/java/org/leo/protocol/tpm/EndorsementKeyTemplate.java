package org.leo.protocol.tpm;

import java.util.HexFormat;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_ASYM_SCHEME;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * The TCG EK Credential Profile templates (version 2.5, section 2.2.1) for the keys in
 * {@link EkType}. A TPM derives the same EK from the endorsement seed and the same template every
 * time, and the manufacturer certified the key of exactly this template: one changed byte gives a
 * different key that matches no certificate. {@code EndorsementKeyTemplateTest} pins the bytes.
 */
final class EndorsementKeyTemplate {
    /** PolicySecret(TPM_RH_ENDORSEMENT) with SHA-256 (EK Credential Profile, B.3.3 "PolicyA"). */
    static final byte[] POLICY_A_SHA256 = HexFormat.of().parseHex("837197674484b3f81a90cc8d46a5d724fd52d76e06520b64f2a1da1b331469aa");
    /** PolicyOR(PolicyA, PolicyC) with SHA-384 (EK Credential Profile, B.6.2 "PolicyB"), the H-3 template's policy. */
    static final byte[] POLICY_B_SHA384 = HexFormat.of().parseHex(
            "b26e7d28d11a50bc53d882bcf5fd3a1a074148bb35d3b4e4cb1c0ad9bde419cacb47ba09699646150f9fc000f3f80e12");

    private EndorsementKeyTemplate() {
    }

    static TPMT_PUBLIC template(EkType type) {
        return switch (type) {
            case RSA_2048 -> new TPMT_PUBLIC(TPM_ALG_ID.SHA256, lowRange(), POLICY_A_SHA256,
                    new TPMS_RSA_PARMS(aes(128), new TPMS_NULL_ASYM_SCHEME(), 2048, 0), new TPM2B_PUBLIC_KEY_RSA(new byte[256]));
            case ECC_P256 -> new TPMT_PUBLIC(TPM_ALG_ID.SHA256, lowRange(), POLICY_A_SHA256,
                    new TPMS_ECC_PARMS(aes(128), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME()),
                    new TPMS_ECC_POINT(new byte[32], new byte[32]));
            case ECC_P384 -> new TPMT_PUBLIC(TPM_ALG_ID.SHA384, highRange(), POLICY_B_SHA384,
                    new TPMS_ECC_PARMS(aes(256), new TPMS_NULL_ASYM_SCHEME(), TPM_ECC_CURVE.NIST_P384, new TPMS_NULL_KDF_SCHEME()),
                    new TPMS_ECC_POINT(new byte[0], new byte[0]));
        };
    }

    /** fixedTPM, fixedParent, sensitiveDataOrigin, adminWithPolicy, restricted, decrypt (0x000300b2). */
    private static TPMA_OBJECT lowRange() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.adminWithPolicy, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    /** The low-range attributes plus userWithAuth (0x000300f2). */
    private static TPMA_OBJECT highRange() {
        return new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent, TPMA_OBJECT.sensitiveDataOrigin,
                TPMA_OBJECT.userWithAuth, TPMA_OBJECT.adminWithPolicy, TPMA_OBJECT.restricted, TPMA_OBJECT.decrypt);
    }

    private static TPMT_SYM_DEF_OBJECT aes(int bits) {
        return new TPMT_SYM_DEF_OBJECT(TPM_ALG_ID.AES, bits, TPM_ALG_ID.CFB);
    }
}
