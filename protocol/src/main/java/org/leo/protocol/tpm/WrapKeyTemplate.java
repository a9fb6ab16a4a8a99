package org.leo.protocol.tpm;

import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import tss.tpm.TPM2B_PUBLIC_KEY_RSA;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ENC_SCHEME_OAEP;
import tss.tpm.TPMS_RSA_PARMS;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;

/**
 * The fixed template of the wrap key: the TPM-resident RSA key that protects capsule keys at rest
 * on the owner's Pi ({@link WrapKey}). A primary key is a function of the hierarchy's seed and the
 * template, so the same TPM re-creates the same key from these bytes every time, with no
 * persistent handle or NV index. Changing anything here (the unique label included) gives every
 * deployed Pi a new key, and every capsule key wrapped to the old one is lost: never do it silently.
 * {@code WrapKeyTemplateTest} pins the marshalled bytes.
 *
 * <p>Hierarchy: owner (storage). The TCG puts keys that protect user data in the storage
 * hierarchy; the endorsement hierarchy is for privacy-sensitive identity keys and its
 * authorization may belong to someone else (an IT department, the platform). The owner seed
 * changes only on TPM2_Clear, which also gives the Pi a new attestation key: a cleared Pi is a new
 * Pi, and forgetting the capsule keys then is the right outcome, not a loss to guard against.
 */
final class WrapKeyTemplate {
    /**
     * The template's unique field (TPM2B_PUBLIC_KEY_RSA). The TPM hashes the whole template into the
     * key derivation, so this label keeps our key apart from any other RSA decryption key derived
     * with the same attributes in the owner hierarchy (TPM 2.0 Part 3, TPM2_CreatePrimary: unique
     * is how one template yields distinct keys).
     */
    static final String UNIQUE = "leo-capsule-wrap-key-v1";
    static final int KEY_BITS = 2048;

    private WrapKeyTemplate() {
    }

    /**
     * An unrestricted decryption key (fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth,
     * decrypt; not sign, not restricted), name algorithm SHA-256, no policy, no symmetric algorithm,
     * RSA-2048 with the default exponent and the scheme fixed to RSAES-OAEP with SHA-256. A fixed
     * scheme means the TPM refuses any other padding, and so can never be used as a raw RSA
     * (textbook) decryption oracle; TPM_ALG_NULL with OAEP chosen per call would allow that.
     */
    @SuppressWarnings("deprecation") // nullObject() is the TPM_ALG_NULL symmetric definition; its replacement is not in 1.0.0
    static TPMT_PUBLIC template() {
        TPMA_OBJECT attributes = new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent,
                TPMA_OBJECT.sensitiveDataOrigin, TPMA_OBJECT.userWithAuth, TPMA_OBJECT.decrypt);
        TPMS_RSA_PARMS parameters = new TPMS_RSA_PARMS(TPMT_SYM_DEF_OBJECT.nullObject(),
                new TPMS_ENC_SCHEME_OAEP(TPM_ALG_ID.SHA256), KEY_BITS, 0);
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attributes, new byte[0], parameters,
                new TPM2B_PUBLIC_KEY_RSA(UNIQUE.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * Parses a marshalled TPMT_PUBLIC (untrusted: a TPM's answer, or a wrap key file) with the bounds-checked
     * {@link TpmPublic} parser and checks that it is this template's key, field by field: RSA, nameAlg SHA-256,
     * exactly the objectAttributes of {@link #template()} (so decrypt-only, fixedTPM, fixedParent, not restricted, not
     * sign), no authPolicy, no symmetric algorithm, the scheme RSAES-OAEP with SHA-256, 2048 bits, the default exponent,
     * and a 2048-bit modulus as unique. Anything else (a signing key, a key whose private part can leave its TPM, a key
     * that decrypts with any padding) is refused: wrapping a capsule key to it could hand the key to someone else.
     *
     * @throws TpmFormatException a sentence starting "TPMT_PUBLIC "
     */
    static WrapKey parse(byte[] publicArea) throws TpmFormatException {
        TpmPublic area = TpmPublic.parse(publicArea);
        if (area.type() != TpmPublic.TYPE_RSA || area.keyBits() != KEY_BITS || area.attributes() != WrapKeyCommands.ATTRIBUTES
                || area.scheme() != WrapKeyCommands.OAEP || area.schemeHash() != TpmAlgorithms.SHA256
                || area.symmetric() != TpmPublic.ALG_NULL || area.nameAlg() != TpmAlgorithms.SHA256
                || area.authPolicy().length != 0 || area.exponent() != 0) {
            throw new TpmFormatException(String.format("TPMT_PUBLIC is not the wrap key template's: %s-%d, objectAttributes 0x%08x,"
                    + " scheme %s-%s, symmetric %s, nameAlg %s, %d-byte authPolicy, exponent %d; expected rsa-%d, objectAttributes"
                    + " 0x%08x, scheme oaep-sha256, symmetric null, nameAlg sha256, no authPolicy, exponent 0 (65537)",
                    area.type() == TpmPublic.TYPE_RSA ? "rsa" : "ecc", area.keyBits(), area.attributes(), TpmAlgorithms.name(area.scheme()),
                    TpmAlgorithms.name(area.schemeHash()), TpmAlgorithms.name(area.symmetric()), TpmAlgorithms.name(area.nameAlg()),
                    area.authPolicy().length, area.exponent(), KEY_BITS, WrapKeyCommands.ATTRIBUTES));
        }
        return new WrapKey((RSAPublicKey) area.toJca(), area.name(), publicArea);
    }
}
