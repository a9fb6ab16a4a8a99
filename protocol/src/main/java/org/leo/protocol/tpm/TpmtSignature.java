package org.leo.protocol.tpm;

/**
 * A parsed TPMT_SIGNATURE of the two schemes a quote may carry here. Untrusted until verified.
 */
public sealed interface TpmtSignature permits TpmtSignature.Ecdsa, TpmtSignature.Rsassa {
    /** The hash the TPM signed with (TPM_ALG_ID; 0x000B for SHA-256). */
    int hashAlg();

    /**
     * TPMS_SIGNATURE_ECDSA.
     *
     * @param r unsigned big-endian
     * @param s unsigned big-endian
     */
    record Ecdsa(int hashAlg, byte[] r, byte[] s) implements TpmtSignature {
        public Ecdsa {
            r = r.clone();
            s = s.clone();
        }

        @Override
        public byte[] r() {
            return r.clone();
        }

        @Override
        public byte[] s() {
            return s.clone();
        }
    }

    /** TPMS_SIGNATURE_RSASSA: a PKCS#1 v1.5 signature. */
    record Rsassa(int hashAlg, byte[] sig) implements TpmtSignature {
        public Rsassa {
            sig = sig.clone();
        }

        @Override
        public byte[] sig() {
            return sig.clone();
        }
    }
}
