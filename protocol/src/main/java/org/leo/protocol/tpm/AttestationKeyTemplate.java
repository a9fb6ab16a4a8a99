package org.leo.protocol.tpm;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import tss.tpm.TPMA_OBJECT;
import tss.tpm.TPMS_ECC_PARMS;
import tss.tpm.TPMS_ECC_POINT;
import tss.tpm.TPMS_NULL_KDF_SCHEME;
import tss.tpm.TPMS_SIG_SCHEME_ECDSA;
import tss.tpm.TPMT_PUBLIC;
import tss.tpm.TPMT_SYM_DEF_OBJECT;
import tss.tpm.TPM_ALG_ID;
import tss.tpm.TPM_ECC_CURVE;

/**
 * The fixed attestation key template and the conversion of the TPM's answer into a JCA key.
 * Changing anything here changes the key every deployed Pi derives: never do it silently.
 */
final class AttestationKeyTemplate {
    /** P-256 coordinates are 32 bytes; a TPM may drop leading zero bytes, never add any. */
    static final int P256_COORDINATE_BYTES = 32;

    private AttestationKeyTemplate() {
    }

    /**
     * A restricted signing key (fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted,
     * sign; the attributes tpm2-tools gives an AK), name algorithm SHA-256, no policy, ECC NIST P-256,
     * scheme ECDSA with SHA-256, no KDF, empty unique: a primary key derived from the owner seed.
     * {@code AttestationKeyTemplateTest} pins the marshalled bytes.
     */
    @SuppressWarnings("deprecation") // nullObject() is the TPM_ALG_NULL symmetric definition; its replacement is not in 1.0.0
    static TPMT_PUBLIC template() {
        TPMA_OBJECT attributes = new TPMA_OBJECT(TPMA_OBJECT.fixedTPM, TPMA_OBJECT.fixedParent,
                TPMA_OBJECT.sensitiveDataOrigin, TPMA_OBJECT.userWithAuth, TPMA_OBJECT.restricted, TPMA_OBJECT.sign);
        TPMS_ECC_PARMS parameters = new TPMS_ECC_PARMS(TPMT_SYM_DEF_OBJECT.nullObject(),
                new TPMS_SIG_SCHEME_ECDSA(TPM_ALG_ID.SHA256), TPM_ECC_CURVE.NIST_P256, new TPMS_NULL_KDF_SCHEME());
        return new TPMT_PUBLIC(TPM_ALG_ID.SHA256, attributes, new byte[0], parameters,
                new TPMS_ECC_POINT(new byte[0], new byte[0]));
    }

    /** The JCA form of the P-256 point in a TPMT_PUBLIC the TPM returned for {@link #template()}. */
    static PublicKey toJca(TPMT_PUBLIC pub) throws TpmException {
        if (!(pub.unique instanceof TPMS_ECC_POINT point)) {
            throw new TpmException("the TPM returned a " + pub.type() + " key for the ECC attestation key template");
        }
        if (point.x.length == 0 || point.x.length > P256_COORDINATE_BYTES
                || point.y.length == 0 || point.y.length > P256_COORDINATE_BYTES) {
            throw new TpmException("the TPM returned a P-256 point with " + point.x.length + "- and " + point.y.length
                    + "-byte coordinates, expected at most " + P256_COORDINATE_BYTES);
        }
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
            ECPoint w = new ECPoint(new BigInteger(1, point.x), new BigInteger(1, point.y));
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
        } catch (GeneralSecurityException e) {
            throw new TpmException("the TPM's attestation key is not a valid P-256 public key: " + e.getMessage(), e);
        }
    }
}
